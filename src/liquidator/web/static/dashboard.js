/* liquidator's dashboard: the venue live over its own WebSocket streams, REST for start state.
   Keys never enter a URL: the admin key and the account's key and secret are kept in this tab's
   sessionStorage, and signed requests are signed here with SubtleCrypto (HMAC-SHA256). */
"use strict";
(() => {
  const LWC = window.LightweightCharts;
  const { COLORS, $, fmt, pct, clock, seconds, chartOptions, gauge, priceLines, positionLevels } =
    window.LiquidatorPanels;
  const FUND_COLORS = ["#009e73", "#56b4e9", "#e69f00", "#cc79a7", "#f0e442"];
  const state = {
    symbols: [], info: {}, symbol: "", marks: {}, indexes: {}, positions: [], levels: [],
    account: null, fundSeries: {}, heat: [], dirty: new Set(), ws: null, userWs: null,
    feedCount: 0, fundPoints: 0, lastFund: "",
  };
  window.dashboard = state; // for tests and the curious (state.onMark feeds a mark update)

  // --- formatting -----------------------------------------------------------------------------
  const precision = (symbol) => (state.info[symbol] ? state.info[symbol].pricePrecision : 2);
  const price = (symbol, value) => (Number(value) ? fmt(value, Math.min(precision(symbol), 4)) : "–");
  const usd = (value) => `${fmt(value, 2)} USDT`;
  const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 2 });
  const compact = (value) => compactFormat.format(Number(value));

  // --- REST -----------------------------------------------------------------------------------
  async function get(path) {
    const response = await fetch(path, { cache: "no-store" });
    return response.json();
  }
  async function admin(path, params) {
    const key = sessionStorage.getItem("adminKey");
    if (!key) { status("Type the admin key first."); return null; }
    const response = await fetch(`${path}?${new URLSearchParams(params)}`,
      { method: "POST", headers: { "X-ADMIN-KEY": key } });
    const body = await response.json();
    status(response.ok ? `${path.split("/").pop()}: ${summary(body)}` : `refused: ${body.msg}`);
    return body;
  }
  const summary = (body) => Object.entries(body).map(([k, v]) => `${k} ${v}`).join(", ");
  const status = (text) => { $("admin-status").textContent = text; };

  async function sign(query) {
    const secret = sessionStorage.getItem("apiSecret");
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(query));
    return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function signed(method, path, params = {}) {
    const query = new URLSearchParams({ ...params, timestamp: Date.now(), recvWindow: 10000 })
      .toString();
    const response = await fetch(`${path}?${query}&signature=${await sign(query)}`, {
      method, headers: { "X-MBX-APIKEY": sessionStorage.getItem("apiKey") }, cache: "no-store" });
    const body = await response.json();
    if (!response.ok) throw new Error(body.msg || response.status);
    return body;
  }

  // --- charts ---------------------------------------------------------------------------------
  const price_chart = LWC.createChart($("price-chart"), chartOptions(380));
  const candles = price_chart.addSeries(LWC.CandlestickSeries, {
    upColor: COLORS.long, downColor: COLORS.short, borderVisible: false,
    wickUpColor: COLORS.long, wickDownColor: COLORS.short,
    autoscaleInfoProvider: (original) => withLevels(original()) });
  function withLevels(range) {  // keep the account's levels on screen, not just the candles
    const prices = (state.levels || []).filter((p) => p.symbol === state.symbol)
      .flatMap((p) => [+p.entryPrice, +p.liquidationPrice]).filter((v) => v > 0);
    if (!range || !prices.length) return range;
    const r = range.priceRange;
    return { ...range, priceRange: { minValue: Math.min(r.minValue, ...prices),
      maxValue: Math.max(r.maxValue, ...prices) } };
  }
  const markLine = price_chart.addSeries(LWC.LineSeries,
    { color: COLORS.mark, lineWidth: 1, title: "mark", priceLineVisible: false });
  const indexLine = price_chart.addSeries(LWC.LineSeries,
    { color: COLORS.index, lineWidth: 1, lineStyle: 2, title: "index", priceLineVisible: false });
  state.charts = { candles, markLine, indexLine };  // read by the browser tests
  const fundChart = LWC.createChart($("fund-chart"), chartOptions(200));
  let levelLines = [];

  // --- start state ----------------------------------------------------------------------------
  async function start() {
    const info = await get("/fapi/v1/exchangeInfo");
    state.symbols = info.symbols.map((s) => s.symbol);
    for (const s of info.symbols) state.info[s.symbol] = s;
    const select = $("symbol");
    select.replaceChildren(...state.symbols.map((s) => new Option(s, s)));
    state.symbol = sessionStorage.getItem("symbol") || state.symbols[0];
    select.value = state.symbol;
    select.addEventListener("change", () => {
      state.symbol = select.value; sessionStorage.setItem("symbol", state.symbol); loadSymbol();
    });
    $("admin-key").value = sessionStorage.getItem("adminKey") || "";
    $("api-key").value = sessionStorage.getItem("apiKey") || "";
    $("api-secret").value = sessionStorage.getItem("apiSecret") || "";
    bindForms();
    await loadSymbol();
    try { await loadFundHistory(); } catch (error) { console.warn(error); }
    poll(refreshVenue, 1000);
    poll(refreshHeatmap, 2000);
    poll(refreshAccount, 2000);  // and at once on every user-stream event
    if (sessionStorage.getItem("apiKey")) connectAccount();
    requestAnimationFrame(frame);
  }
  function poll(task, ms) {
    const run = async () => { try { await task(); } catch (error) { console.warn(error); } };
    run(); setInterval(run, ms);
  }

  async function loadSymbol() {
    const symbol = state.symbol;
    state.lastCandle = 0; state.lastMarkTime = 0; state.heat = []; heat.cursor = -1;
    const [klines, marks, premium, book, trades] = await Promise.all([
      get(`/fapi/v1/klines?symbol=${symbol}&interval=1m&limit=500`),
      get(`/fapi/v1/markPriceKlines?symbol=${symbol}&interval=1m&limit=500`),
      get(`/fapi/v1/premiumIndex?symbol=${symbol}`),
      get(`/fapi/v1/depth?symbol=${symbol}&limit=20`),
      get(`/fapi/v1/trades?symbol=${symbol}&limit=20`),
    ]);
    state.book = { a: book.asks, b: book.bids }; state.dirty.add("book");
    state.trades = trades.reverse().map((t) => ({ s: symbol, p: t.price, q: t.qty, T: t.time,
      m: t.isBuyerMaker })); state.dirty.add("trades");
    const digits = Math.min(precision(symbol), 4);
    const format = { type: "price", precision: digits, minMove: 10 ** -digits };
    for (const series of [candles, markLine, indexLine]) series.applyOptions({ priceFormat: format });
    candles.setData(klines.map((k) => ({ time: seconds(k[0]), open: +k[1], high: +k[2],
      low: +k[3], close: +k[4] })));
    markLine.setData(marks.map((k) => ({ time: seconds(k[0]), value: +k[4] })));
    indexLine.setData([]);
    onMark({ s: symbol, p: premium.markPrice, i: premium.indexPrice, r: premium.lastFundingRate,
      E: premium.time });
    connectMarket();
    drawLevels();
  }

  // --- market streams -------------------------------------------------------------------------
  function connectMarket() {
    if (state.ws) { state.ws.onclose = null; state.ws.onmessage = null; state.ws.close(); }
    const lower = state.symbol.toLowerCase();
    const streams = [`${lower}@kline_1m`, `${lower}@depth20`, "!markPrice@arr@1s",
      "!forceOrder@arr", ...state.symbols.map((s) => `${s.toLowerCase()}@trade`)];
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/stream?streams=${streams.join("/")}`);
    state.ws = ws;
    ws.onopen = () => connection(true);
    ws.onclose = () => { connection(false); setTimeout(connectMarket, 1000); };
    ws.onmessage = (message) => {
      const wrapped = JSON.parse(message.data);
      const stream = wrapped.stream.toLowerCase(), data = wrapped.data;
      if (stream.startsWith("!markprice@arr")) data.forEach(onMark);
      else if (stream === "!forceorder@arr") onForceOrder(data);
      else if (stream.endsWith("@kline_1m")) onKline(data.k);
      else if (stream.endsWith("@depth20")) { state.book = data; state.dirty.add("book"); }
      else if (stream.endsWith("@trade")) onTrade(data);
    };
  }
  function connection(up) {
    const pill = $("connection");
    pill.textContent = up ? "live" : "reconnecting";
    pill.className = `pill ${up ? "live" : "down"}`;
  }
  state.onMark = (m) => onMark(m);
  function onMark(m) {
    state.marks[m.s] = +m.p; state.indexes[m.s] = +m.i;
    if (m.s !== state.symbol) { state.dirty.add("positions"); return; }
    state.funding = m.r; state.serverTime = m.E;
    const time = seconds(m.E);
    if (time >= (state.lastMarkTime || 0)) {
      markLine.update({ time, value: +m.p });
      if (+m.i) indexLine.update({ time, value: +m.i });
      state.lastMarkTime = time;
    }
    state.dirty.add("header"); state.dirty.add("positions"); state.dirty.add("heatmap");
  }
  function onKline(k) {
    if (k.s && k.s !== state.symbol) return;  // a message of the symbol just left
    const time = seconds(k.t);
    if (time < (state.lastCandle || 0)) return;
    state.lastCandle = time;
    candles.update({ time, open: +k.o, high: +k.h, low: +k.l, close: +k.c });
  }
  function onTrade(t) {
    if (t.X === "ADL" || t.X === "INSURANCE_FUND") {
      addFeed(t.s, t.m ? "SELL" : "BUY", t.X === "ADL" ? "ADL" : "FUND", t.q, t.p, t.T);
    }
    if (t.s !== state.symbol) return;
    (state.trades = state.trades || []).unshift(t);
    state.trades.length = Math.min(state.trades.length, 20);
    state.dirty.add("trades");
  }
  function onForceOrder(event) {
    const o = event.o;
    addFeed(o.s, o.S, "LIQ", o.z !== "0" ? o.z : o.q, o.ap !== "0" ? o.ap : o.p, o.T);
    refreshSoon();
  }
  function addFeed(symbol, orderSide, kind, quantity, at, ms) {
    // a SELL liquidation order closes a long; a BUY closes a short. The fund's fill is the
    // other way round: it buys the long (sells the short) that the liquidation could not place
    const closes = orderSide === "SELL" ? "long" : "short";
    const side = kind === "FUND" ? (closes === "long" ? "short" : "long") : closes;
    const li = document.createElement("li");
    li.className = "feed-item";
    li.dataset.kind = kind;
    li.innerHTML = `<span>${clock(ms)}</span><span>${symbol}</span>` +
      `<span class="side ${side}">${kind === "FUND" ? "FUND takes" : kind} ${side}</span>` +
      `<span class="detail">${fmt(quantity, 3)} @ ${price(symbol, at)} · ${compact(quantity * at)} USDT</span>`;
    const feed = $("feed");
    feed.prepend(li);
    while (feed.children.length > 200) feed.lastChild.remove();
    state.feedCount += 1;
  }
  let soon = null;
  function refreshSoon() {
    if (soon) return;
    soon = setTimeout(() => {
      soon = null; refreshMark(); refreshVenue(); refreshAccount(); refreshHeatmap();
    }, 150);
  }
  // a price event (an admin move, a forced order) reads the mark at once: the 1 s stream alone
  // would show a crash up to a second late
  async function refreshMark() {
    const symbol = state.symbol;
    const premium = await get(`/fapi/v1/premiumIndex?symbol=${symbol}`);
    if (symbol === state.symbol) onMark({ s: symbol, p: premium.markPrice, i: premium.indexPrice,
      r: premium.lastFundingRate, E: premium.time });
  }

  // --- venue reads: funds, open interest, heatmap ---------------------------------------------
  async function refreshVenue() {
    const [funds, interest] = await Promise.all([get("/liquidator/v1/insurance"),
      get("/liquidator/v1/openInterest")]);
    const time = seconds(funds.serverTime);
    for (const f of funds.funds) {
      const series = fundSeries(`${f.fund} ${f.asset}`);
      if (time >= series.last) { series.update({ time, value: +f.balance }); series.last = time; }
      state.fundPoints += 1;
    }
    const latest = funds.funds.map((f) => `${f.fund.replace("@insurance", "fund")} ${fmt(f.balance, 2)} ${f.asset}`).join(" · ");
    if (latest !== state.lastFund) { state.lastFund = latest; $("fund-latest").textContent = latest; }
    state.openInterest = interest.symbols; state.dirty.add("oi");
    state.serverTime = Math.max(state.serverTime || 0, funds.serverTime); state.dirty.add("header");
  }
  function fundSeries(id) {
    let series = state.fundSeries[id];
    if (!series) {
      const colour = FUND_COLORS[Object.keys(state.fundSeries).length % FUND_COLORS.length];
      series = state.fundSeries[id] = fundChart.addSeries(LWC.LineSeries, {
        color: colour, lineWidth: 2, title: id, lineType: 1, priceLineVisible: false,
        priceFormat: { type: "price", precision: 2, minMove: 0.01 } });
      series.last = 0;
    }
    return series;
  }
  async function loadFundHistory() {  // the funds before the page opened: one point a second
    const body = await get("/liquidator/v1/insurance/history?limit=2000");
    const byFund = {};
    for (const p of body.points) {
      const points = (byFund[`${p.fund} ${p.asset}`] ||= []);
      const time = seconds(p.time);
      if (points.length && points[points.length - 1].time === time) points.pop();
      points.push({ time, value: +p.balance });
    }
    for (const [id, points] of Object.entries(byFund)) {
      const series = fundSeries(id);
      series.setData(points);
      series.last = points[points.length - 1].time;
    }
  }
  async function refreshHeatmap() {
    const body = await get(`/liquidator/v1/positions?symbol=${state.symbol}`);
    state.heat = body.positions; state.dirty.add("heatmap");
  }

  // --- the account ----------------------------------------------------------------------------
  async function connectAccount() {
    if (!sessionStorage.getItem("apiKey")) return;
    if (!window.crypto || !crypto.subtle) { status("Signing needs a secure context (https or localhost)."); return; }
    try {
      await refreshAccount();
      const response = await fetch("/fapi/v1/listenKey",
        { method: "POST", headers: { "X-MBX-APIKEY": sessionStorage.getItem("apiKey") } });
      const { listenKey } = await response.json();
      if (state.userWs) { state.userWs.onclose = null; state.userWs.close(); }
      const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/${listenKey}`);
      ws.onmessage = (message) => {
        const event = JSON.parse(message.data);
        for (const p of event.e === "MARGIN_CALL" ? event.p || [] : []) {
          addFeed(p.s, +p.pa < 0 || p.ps === "SHORT" ? "BUY" : "SELL", "CALL", Math.abs(+p.pa), p.mp, event.E);
        }
        refreshSoon();
      };
      state.userWs = ws;
      clearInterval(state.keepAlive);  // a listen key lives 60 minutes unless kept alive
      state.keepAlive = setInterval(() => fetch("/fapi/v1/listenKey",
        { method: "PUT", headers: { "X-MBX-APIKEY": sessionStorage.getItem("apiKey") } }), 20 * 60 * 1000);
    } catch (error) {
      status(`account: ${error.message}`);
    }
  }
  async function refreshAccount() {
    if (!sessionStorage.getItem("apiKey") || !sessionStorage.getItem("apiSecret")) return;
    const [risk, account, levels, orders, algos] = await Promise.all([
      signed("GET", "/fapi/v3/positionRisk"), signed("GET", "/fapi/v2/account"),
      signed("GET", "/liquidator/v1/levels"), signed("GET", "/fapi/v1/openOrders"),
      signed("GET", "/fapi/v1/openAlgoOrders")]);
    state.positions = risk; state.account = account; state.levels = levels.positions;
    state.stops = orders.filter((o) => +o.stopPrice > 0).map((o) => ({ symbol: o.symbol, at: o.stopPrice, type: o.type }))
      .concat((Array.isArray(algos) ? algos : []).filter((o) => +o.triggerPrice > 0)
        .map((o) => ({ symbol: o.symbol, at: o.triggerPrice, type: o.orderType || o.type })));
    state.dirty.add("positions"); drawLevels();
  }
  function drawLevels() {
    const here = (item) => item.symbol === state.symbol;
    const levels = (state.levels || []).filter(here).flatMap((p) => positionLevels(p))
      .concat((state.stops || []).filter(here).map((stop) => ({ price: stop.at,
        color: COLORS.index, title: (stop.type || "stop").toLowerCase(), style: 3 })));
    levelLines = priceLines(candles, levelLines, levels);
  }

  // --- rendering, once per frame, only what changed --------------------------------------------
  function frame() {
    for (const part of state.dirty) RENDER[part]();
    state.dirty.clear();
    requestAnimationFrame(frame);
  }
  const RENDER = {
    header() {
      const s = state.symbol;
      $("mark").textContent = price(s, state.marks[s]);
      $("index").textContent = price(s, state.indexes[s]);
      $("funding").textContent = state.funding !== undefined ? `${fmt(state.funding * 100, 4)}%` : "–";
      $("server-time").textContent = state.serverTime ? clock(state.serverTime) : "–";
    },
    positions: renderPositions,
    book() {
      const rows = (levels, n) => levels.slice(0, n).map(([p, q]) =>
        `<tr><td>${price(state.symbol, p)}</td><td>${fmt(q, 3)}</td></tr>`);
      const pad = (list, n) => list.concat(Array(n - list.length).fill("<tr><td></td><td></td></tr>"));
      $("asks").innerHTML = pad(rows(state.book.a, 10), 10).reverse().join("");
      $("bids").innerHTML = pad(rows(state.book.b, 10), 10).join("");
    },
    trades() {
      $("trades").tBodies[0].innerHTML = state.trades.map((t) =>
        `<tr><td class="${t.m ? "sell" : "buy"}">${price(t.s, t.p)}</td><td>${fmt(t.q, 3)}</td><td>${clock(t.T)}</td></tr>`).join("");
    },
    oi() {  // compact above 1,000 and small units: the table fits its narrow panel (the CSS)
      const amount = (value) => (Math.abs(Number(value)) >= 1000 ? compact(value) : fmt(value, 3));
      const cell = (value, shown, unit) =>
        `<td title="${value} ${unit}">${shown} <span class="unit">${unit}</span></td>`;
      $("open-interest").tBodies[0].innerHTML = (state.openInterest || []).map((s) =>
        `<tr data-symbol="${s.symbol}"><td title="${s.symbol}">${s.symbol}</td>` +
        cell(s.openInterest, amount(s.openInterest), s.unit) +
        cell(s.notional, compact(s.notional), s.notionalAsset) + "</tr>").join("");
    },
    heatmap: renderHeatmap,
  };

  function renderPositions() {
    const account = state.account;
    const rows = (state.positions || []).filter((p) => +p.positionAmt !== 0);
    $("positions-empty").hidden = rows.length > 0;
    $("positions-empty").textContent = sessionStorage.getItem("apiKey")
      ? "No open position." : "Connect an account (API key and secret, below) to see its positions.";
    if (!account) return;
    const balance = +account.totalMarginBalance;
    const ratio = balance > 0 ? +account.totalMaintMargin / balance : (rows.length ? 1 : 0);
    gauge(ratio, pct(ratio), usd(balance));
    // only the rows in view are in the DOM (a thousand rows re-laid out per mark cost ~200 ms)
    const box = $("positions").parentElement, rowH = 19;
    const first = Math.max(0, Math.floor(box.scrollTop / rowH) - 5);
    const last = Math.min(rows.length, first + Math.ceil(box.clientHeight / rowH) + 10);
    const spacer = (n) => (n > 0 ? `<tr class="spacer" style="height:${n * rowH}px"><td colspan="10"></td></tr>` : "");
    $("positions").setAttribute("aria-rowcount", rows.length + 1);
    $("positions").dataset.rows = rows.length;
    $("positions").tBodies[0].innerHTML = spacer(first) +
      rows.slice(first, last).map((p, i) => positionRow(p, ratio, first + i + 2)).join("") +
      spacer(rows.length - last);
  }
  function positionRow(p, accountRatio, index) {
    const qty = +p.positionAmt;
    const mark = state.marks[p.symbol] || +p.markPrice;
    const pnl = qty * (mark - +p.entryPrice);
    const isolated = +p.isolatedWallet > 0;
    const margin = isolated ? +p.isolatedWallet + pnl : +p.positionInitialMargin;
    const ratio = isolated ? (margin > 0 ? +p.maintMargin / margin : 1) : accountRatio;
    const roe = +p.positionInitialMargin ? pnl / +p.positionInitialMargin : 0;
    const side = qty > 0 ? "long" : "short";
    const lights = [1, 2, 3, 4, 5].map((i) => `<i class="${i <= p.adl ? "on" : ""}"></i>`).join("");
    return `<tr data-symbol="${p.symbol}" data-side="${p.positionSide}" aria-rowindex="${index}">` +
      `<td class="${side}">${p.symbol} ${isolated ? "isolated" : "cross"}</td>` +
      `<td class="${side}">${fmt(qty, 3)}</td><td>${price(p.symbol, p.entryPrice)}</td>` +
      `<td>${price(p.symbol, p.breakEvenPrice)}</td><td>${price(p.symbol, mark)}</td>` +
      `<td class="liq">${price(p.symbol, p.liquidationPrice)}</td><td>${pct(ratio)}</td>` +
      `<td>${usd(margin)}</td><td class="${pnl >= 0 ? "long" : "short"}">${usd(pnl)} (${pct(roe)})</td>` +
      `<td><span class="adl" role="img" aria-label="ADL ${p.adl} of 5">${lights}</span></td></tr>`;
  }

  // heatmap: price buckets around the mark, long (blue) and short (orange) notional, log-free
  const heat = { cursor: -1, buckets: [] };
  function renderHeatmap() {
    const canvas = $("heatmap");
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (canvas.width !== width * ratio) { canvas.width = width * ratio; canvas.height = height * ratio; }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const mark = state.marks[state.symbol];
    if (!mark) return;
    const n = 40, low = mark * 0.6, high = mark * 1.4, step = (high - low) / n;
    const buckets = Array.from({ length: n }, (_, i) => ({ from: low + i * step, long: 0, short: 0 }));
    for (const p of state.heat) {
      const at = +p.liquidationPrice;
      if (!at || at < low || at >= high) continue;
      buckets[Math.floor((at - low) / step)][p.side === "LONG" ? "long" : "short"] += +p.notional;
    }
    heat.buckets = buckets;
    const top = Math.max(1, ...buckets.map((b) => b.long + b.short));
    const axis = 64, rowH = (height - 20) / n;
    g.font = "11px system-ui"; g.fillStyle = COLORS.text; g.textBaseline = "middle";
    buckets.forEach((b, i) => {
      const y = height - 20 - (i + 1) * rowH;
      if (i % 5 === 0) {
        g.fillStyle = COLORS.text; g.fillText(compact(b.from), 2, y + rowH);
        g.fillStyle = COLORS.grid; g.fillRect(axis, y + rowH, width - axis, 1);
      }
      const longW = (b.long / top) * (width - axis - 4), shortW = (b.short / top) * (width - axis - 4);
      g.fillStyle = COLORS.long; g.fillRect(axis, y + 1, longW, rowH - 2);
      g.fillStyle = COLORS.short; g.fillRect(axis + longW, y + 1, shortW, rowH - 2);
      if (i === heat.cursor) { g.strokeStyle = COLORS.entry; g.strokeRect(axis, y, width - axis - 1, rowH); }
    });
    const markY = height - 20 - ((mark - low) / (high - low)) * (height - 20);
    g.fillStyle = COLORS.mark; g.fillRect(axis, markY, width - axis, 2);
    g.fillStyle = COLORS.text; g.fillText(`notional, max ${compact(top)} USDT`, axis, height - 8);
    hover();
  }
  function hover() {
    const b = heat.buckets[heat.cursor];
    $("heatmap-hover").textContent = b
      ? `${price(state.symbol, b.from)}–${price(state.symbol, b.from + (heat.buckets[1].from - heat.buckets[0].from))}: longs ${compact(b.long)} USDT, shorts ${compact(b.short)} USDT`
      : "Hover or use the arrow keys for a price band's notional.";
  }
  function bindHeatmap() {
    const canvas = $("heatmap");
    canvas.addEventListener("mousemove", (e) => {
      const rect = canvas.getBoundingClientRect();
      const n = heat.buckets.length || 40;
      heat.cursor = Math.floor(((rect.height - 20 - (e.clientY - rect.top)) / (rect.height - 20)) * n);
      state.dirty.add("heatmap");
    });
    canvas.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
      e.preventDefault();
      heat.cursor = Math.max(0, Math.min(39, (heat.cursor < 0 ? 20 : heat.cursor) + (e.key === "ArrowUp" ? 1 : -1)));
      state.dirty.add("heatmap");
    });
  }

  function moved(body) {  // the admin's answer carries the new prices: show them now
    if (body && body.symbol === state.symbol && body.markPrice) {
      onMark({ s: body.symbol, p: body.markPrice, i: body.indexPrice, r: state.funding,
        E: state.serverTime || Date.now() });  // the venue's clock, maybe simulated
    }
    refreshSoon();
  }

  // --- forms ----------------------------------------------------------------------------------
  function bindForms() {
    const on = (id, handler) => $(id).addEventListener("submit", (e) => { e.preventDefault(); handler(); });
    on("account-form", () => {
      sessionStorage.setItem("apiKey", $("api-key").value.trim());
      sessionStorage.setItem("apiSecret", $("api-secret").value.trim());
      connectAccount();
    });
    $("account-forget").addEventListener("click", () => {
      sessionStorage.removeItem("apiKey"); sessionStorage.removeItem("apiSecret");
      $("api-key").value = ""; $("api-secret").value = "";
      state.positions = []; state.account = null; state.levels = []; drawLevels();
      $("positions").tBodies[0].innerHTML = ""; state.dirty.add("positions");
    });
    on("admin-form", () => { sessionStorage.setItem("adminKey", $("admin-key").value.trim()); status("Admin key set for this tab."); });
    on("crash-form", () => admin("/admin/crash", { symbol: state.symbol,
      percent: $("crash-percent").value, steps: $("crash-steps").value || 1 }).then(moved));
    on("price-form", () => admin("/admin/price", { symbol: state.symbol,
      index: $("price-value").value, mark: $("price-value").value }).then(moved));
    on("time-form", () => admin("/admin/time", { ms: $("time-ms").value }));
    on("deposit-form", () => admin("/admin/deposit", { account: $("deposit-account").value.trim(),
      amount: $("deposit-amount").value, asset: $("deposit-asset").value.trim() || "USDT" }));
    bindHeatmap();
    $("positions").parentElement.addEventListener("scroll", () => state.dirty.add("positions"),
      { passive: true });
  }

  start();
})();
