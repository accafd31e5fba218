/* liquidator monitor --web: the dashboard's panels for the account the monitor follows.
   Everything comes from the monitor's own server (server-sent events, REST for the start and
   the mark klines); the account's key never reaches this page. */
"use strict";
(() => {
  const LWC = window.LightweightCharts;
  const { COLORS, $, fmt, pct, clock, seconds, esc, chartOptions, gauge, priceLines,
    positionLevels } = window.LiquidatorPanels;
  const state = { symbol: "", positions: [], accounts: [], marks: {}, time: 0, alerts: 0,
    dirty: new Set(), lastCandle: null, lastMarkTime: 0, events: null, followed: new Set() };
  window.monitor = state;  // for tests and the curious

  // --- formatting -----------------------------------------------------------------------------
  const digitsFor = (value) => (Math.abs(value) >= 100 ? 2 : Math.abs(value) >= 1 ? 4 : 6);
  const price = (value) => (Number(value) ? fmt(value, digitsFor(+value)) : "–");
  const money = (value, asset) => `${fmt(value, 2)} ${asset}`;

  // --- the chart ------------------------------------------------------------------------------
  const chart = LWC.createChart($("price-chart"), chartOptions(380));
  const candles = chart.addSeries(LWC.CandlestickSeries, {
    upColor: COLORS.long, downColor: COLORS.short, borderVisible: false,
    wickUpColor: COLORS.long, wickDownColor: COLORS.short,
    autoscaleInfoProvider: (original) => withLevels(original()) });
  const markLine = chart.addSeries(LWC.LineSeries,
    { color: COLORS.mark, lineWidth: 1, title: "mark", priceLineVisible: false });
  state.charts = { candles, markLine };
  let levelLines = [];
  function withLevels(range) {  // keep the levels on screen, not just the candles
    const prices = heldHere().flatMap((p) => [+p.entryPrice, +p.liquidationPrice])
      .filter((v) => v > 0);
    if (!range || !prices.length) return range;
    const r = range.priceRange;
    return { ...range, priceRange: { minValue: Math.min(r.minValue, ...prices),
      maxValue: Math.max(r.maxValue, ...prices) } };
  }
  const heldHere = () => state.positions.filter((p) => p.symbol === state.symbol);

  async function loadSymbol() {
    const symbol = state.symbol;
    state.lastCandle = null; state.lastMarkTime = 0;
    candles.setData([]); markLine.setData([]);
    if (!symbol) return;
    const response = await fetch(`/monitor/v1/klines?symbol=${symbol}`, { cache: "no-store" });
    const body = await response.json();
    if (symbol !== state.symbol || !response.ok) return;
    if (body.msg) status(`mark klines: ${body.msg}`);
    const bars = body.klines.map((k) => ({ time: seconds(k[0]), open: +k[1], high: +k[2],
      low: +k[3], close: +k[4] }));
    candles.setData(bars);
    markLine.setData(bars.map((b) => ({ time: b.time, value: b.close })));
    state.lastCandle = bars.length ? { ...bars[bars.length - 1] } : null;
    state.lastMarkTime = bars.length ? bars[bars.length - 1].time : 0;
    onMark();
    drawLevels();
  }
  function onMark() {  // the selected symbol's mark at the monitor's last update
    const mark = +state.marks[state.symbol];
    if (!mark || !state.time || !state.followed.has(state.symbol)) return;  // a closed one's is old
    const time = seconds(state.time);
    if (time < state.lastMarkTime) return;
    state.lastMarkTime = time;
    markLine.update({ time, value: mark });
    const minute = time - (time % 60);
    const bar = state.lastCandle;
    state.lastCandle = bar && bar.time === minute
      ? { ...bar, high: Math.max(bar.high, mark), low: Math.min(bar.low, mark), close: mark }
      : { time: minute, open: mark, high: mark, low: mark, close: mark };
    candles.update(state.lastCandle);
  }
  function drawLevels() {  // a hedge pair's LONG and SHORT each draw theirs, named
    const side = (p) => (p.positionSide === "BOTH" ? "" : ` ${p.positionSide.toLowerCase()}`);
    levelLines = priceLines(candles, levelLines,
      heldHere().flatMap((p) => positionLevels(p, side(p))));
    state.levels = levelLines.map((line) => line.options());
  }

  // --- the monitor's events -------------------------------------------------------------------
  function apply(body) {
    const before = levelsKey();
    state.positions = body.positions; state.accounts = body.accounts;
    state.marks = { ...state.marks, ...body.marks };  // a closed position's last mark stays
    state.time = body.time; state.followed = new Set(Object.keys(body.marks));
    const symbols = body.symbols;
    const select = $("symbol");
    if (symbols.join() !== [...select.options].map((o) => o.value).join()) {
      const keep = symbols.includes(state.symbol) ? state.symbol
        : symbols.includes(sessionStorage.getItem("monitorSymbol")) ? sessionStorage.getItem("monitorSymbol")
          : symbols[0] || "";
      select.replaceChildren(...symbols.map((s) => new Option(s, s)));
      select.value = keep;
      if (keep !== state.symbol) { state.symbol = keep; loadSymbol(); }
    }
    onMark();
    if (levelsKey() !== before) drawLevels();
    state.dirty.add("header"); state.dirty.add("positions");
  }
  const levelsKey = () => heldHere().map((p) => `${p.positionSide} ${p.entryPrice} ${p.liquidationPrice} ${p.bankruptcyPrice}`).join();
  function addAlert(alert) {
    const li = document.createElement("li");
    li.dataset.kind = alert.alert;
    const when = document.createElement("span"); when.textContent = clock(alert.time);
    const kind = document.createElement("span"); kind.className = "side";
    kind.textContent = alert.alert.replaceAll("_", " ").toLowerCase();
    const detail = document.createElement("span"); detail.className = "detail";
    detail.textContent = alert.message;  // text, never HTML: the message names what it saw
    li.append(when, kind, detail);
    const feed = $("feed");
    feed.prepend(li);
    while (feed.children.length > 200) feed.lastChild.remove();
    state.alerts += 1;
  }
  const status = (text) => { $("status").textContent = text; };
  function connect() {
    const events = new EventSource("/monitor/v1/events");
    state.events = events;
    events.addEventListener("hello", (message) => {
      const body = JSON.parse(message.data);
      $("feed").replaceChildren(); state.alerts = 0;
      for (const alert of [...body.alerts].reverse()) addAlert(alert);
      status(body.status.message);
      apply(body);
      connection(true);
    });
    events.addEventListener("state", (message) => apply(JSON.parse(message.data)));
    events.addEventListener("alert", (message) => addAlert(JSON.parse(message.data)));
    events.addEventListener("status", (message) => status(JSON.parse(message.data).message));
    events.onerror = () => connection(false);  // EventSource reconnects by itself
  }
  function connection(up) {
    const pill = $("connection");
    pill.textContent = up ? "live" : "reconnecting";
    pill.className = `pill ${up ? "live" : "down"}`;
  }

  // --- rendering, once per frame --------------------------------------------------------------
  function frame() {
    for (const part of state.dirty) RENDER[part]();
    state.dirty.clear();
    requestAnimationFrame(frame);
  }
  const RENDER = {
    header() {
      $("mark").textContent = price(state.marks[state.symbol]);
      const held = heldHere()[0];
      $("funding").textContent = held && held.lastFundingRate !== null
        ? `${fmt(held.lastFundingRate * 100, 4)}%` : "–";
      $("server-time").textContent = state.time ? clock(state.time) : "–";
    },
    positions() {
      const account = state.accounts.find((a) => a.crossPositions > 0) || state.accounts[0];
      const ratio = account && account.marginRatio !== null ? +account.marginRatio : 0;
      gauge(ratio, account ? pct(account.marginRatio) : "–",
        account ? money(account.marginBalance, account.asset) : "–");
      const rows = state.positions;
      $("positions-empty").hidden = rows.length > 0;
      $("positions").tBodies[0].innerHTML = rows.map(positionRow).join("");
    },
  };
  function positionRow(row) {  // every text field escaped: it comes from the exchange
    const p = Object.fromEntries(Object.entries(row).map(([k, v]) =>
      [k, typeof v === "string" ? esc(v) : v]));
    const qty = +p.positionAmt, pnl = +p.unRealizedProfit;
    const isolated = p.marginType === "isolated";
    const margin = isolated ? +p.isolatedWallet + pnl : +p.initialMargin;
    const roe = +p.initialMargin ? pnl / +p.initialMargin : 0;
    const side = qty > 0 ? "long" : "short";
    const differs = p.liquidationPriceDiffers ? ' title="more than one tick from ours"' : "";
    const lights = [1, 2, 3, 4, 5].map((i) => `<i class="${i <= (p.adl || 0) ? "on" : ""}"></i>`).join("");
    return `<tr data-symbol="${p.symbol}" data-side="${p.positionSide}">` +
      `<td class="${side}">${p.symbol} ${isolated ? "isolated" : "cross"} ${p.leverage}x${p.positionSide === "BOTH" ? "" : ` ${p.positionSide.toLowerCase()}`}</td>` +
      `<td class="${side}">${fmt(qty, 3)}</td><td>${price(p.entryPrice)}</td>` +
      `<td class="break-even">${price(p.breakEvenPrice)}</td><td>${price(p.markPrice)}</td>` +
      `<td class="liq">${price(p.liquidationPrice)}</td><td${differs}>${price(p.binanceLiquidationPrice)}${p.liquidationPriceDiffers ? " ≠" : ""}</td>` +
      `<td>${price(p.bankruptcyPrice)}</td><td>${pct(p.marginRatio)}</td>` +
      `<td>${money(margin, p.marginAsset)}</td><td class="${pnl >= 0 ? "long" : "short"}">${money(pnl, p.marginAsset)} (${pct(roe)})</td>` +
      `<td>${pct(p.liquidationDistance)}</td>` +
      `<td><span class="adl" role="img" aria-label="ADL ${p.adl ?? "unknown"} of 5">${lights}</span></td></tr>`;
  }

  $("symbol").addEventListener("change", () => {
    state.symbol = $("symbol").value; sessionStorage.setItem("monitorSymbol", state.symbol);
    loadSymbol(); drawLevels(); state.dirty.add("header");
  });
  connect();
  requestAnimationFrame(frame);
})();
