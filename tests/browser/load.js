// Injected by test_dashboard_load.py: 1,000 positions, 20 marks a second, frames counted.
(async ([positions, seconds]) => {
  const d = window.dashboard;
  const rows = [];
  for (let i = 0; i < positions; i++) {
    const long = i % 2 === 0, qty = (0.01 + (i % 50) / 100) * (long ? 1 : -1);
    const entry = 60000 + (i % 200) - 100, liq = long ? entry * (0.8 + (i % 17) / 100) : entry * (1.2 - (i % 13) / 100);
    rows.push({ symbol: "BTCUSDT", positionSide: "BOTH", positionAmt: String(qty), entryPrice: String(entry),
      breakEvenPrice: String(entry), markPrice: "60000", liquidationPrice: String(liq), isolatedWallet: "0",
      positionInitialMargin: String(Math.abs(qty) * entry / 20), maintMargin: "10", adl: i % 5 });
  }
  d.account = { totalMarginBalance: "1000000", totalMaintMargin: "10000" };
  d.positions = rows; d.dirty.add("positions"); d.dirty.add("heatmap");  // heat: the venue's own
  let mark = 60000, sent = 0;
  const feed = setInterval(() => {
    mark += (Math.random() - 0.5) * 20; sent += 1;
    d.onMark({ s: "BTCUSDT", p: String(mark), i: String(mark - 5), r: "0.0001", E: Date.now() });
    d.dirty.add("heatmap");
  }, 50);
  const frames = [];
  const start = performance.now();
  await new Promise((done) => {
    const tick = (now) => { frames.push(now); if (now - start < seconds * 1000) requestAnimationFrame(tick); else done(); };
    requestAnimationFrame(tick);
  });
  clearInterval(feed);
  const windows = [];
  for (let s = 0; s < seconds; s++) {
    windows.push(frames.filter((t) => t - start >= s * 1000 && t - start < (s + 1) * 1000).length);
  }
  return { windows, sent, rows: +document.getElementById("positions").dataset.rows, heat: d.heat.length };
})
