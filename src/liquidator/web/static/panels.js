/* What the venue's dashboard (dashboard.js) and the monitor's page (monitor.js) draw the same
   way: the palette, number formats, the chart's look, the margin-ratio gauge, levels on a chart. */
"use strict";
window.LiquidatorPanels = (() => {
  // Okabe and Ito's colour-blind-safe palette, as dashboard.css and liquidator.web.palette
  const COLORS = { long: "#56b4e9", short: "#e69f00", mark: "#f0e442", index: "#cc79a7",
    liq: "#d55e00", bankrupt: "#cc79a7", entry: "#ffffff", fund: "#009e73", grid: "#232833",
    text: "#9aa3ad" };
  const $ = (id) => document.getElementById(id);
  const formats = {};  // one Intl.NumberFormat per precision: building one is the slow part
  const fmt = (value, digits) => (formats[digits] ||= new Intl.NumberFormat("en-US",
    { minimumFractionDigits: digits, maximumFractionDigits: digits })).format(Number(value));
  const pct = (value) => (value === null || value === undefined ? "–" : `${fmt(value * 100, 2)}%`);
  const clock = (ms) => new Date(ms).toISOString().slice(11, 19);
  const seconds = (ms) => Math.floor(ms / 1000);
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  /** Text from another server, safe inside HTML built as a string. */
  const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

  const chartOptions = (height) => ({
    height, autoSize: true,
    layout: { background: { color: "transparent" }, textColor: COLORS.text, fontSize: 11 },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    timeScale: { timeVisible: true, secondsVisible: true, borderColor: COLORS.grid },
    rightPriceScale: { borderColor: COLORS.grid },
    crosshair: { mode: 0 },
  });

  /** Show a margin ratio (0.25 = 25%) on the gauge, and the margin balance beside it. */
  function gauge(ratio, shownRatio, balance) {
    const fill = $("gauge-fill");
    fill.style.width = `${Math.min(100, ratio * 100)}%`;
    fill.className = `gauge-fill${ratio >= 0.8 ? " danger" : ratio >= 0.5 ? " warn" : ""}`;
    $("gauge").setAttribute("aria-valuenow", (ratio * 100).toFixed(2));
    $("gauge-value").textContent = shownRatio;
    $("margin-balance").textContent = balance;
  }

  /** Replace ``previous`` price lines on ``series`` with ``levels`` ({price, color, title,
      style}); levels at no price (0, "0") are left out. Returns the new lines. */
  function priceLines(series, previous, levels) {
    for (const line of previous) series.removePriceLine(line);
    return levels.filter((level) => +level.price).map((level) => series.createPriceLine({
      price: +level.price, color: level.color, title: level.title, lineWidth: 1,
      lineStyle: level.style, axisLabelVisible: true }));
  }

  /** The levels a position draws: entry (dotted white), liquidation, bankruptcy (dashed). */
  const positionLevels = (p, suffix = "") => [
    { price: p.entryPrice, color: COLORS.entry, title: `entry${suffix}`, style: 1 },
    { price: p.liquidationPrice, color: COLORS.liq, title: `liquidation${suffix}`, style: 0 },
    { price: p.bankruptcyPrice, color: COLORS.bankrupt, title: `bankruptcy${suffix}`, style: 2 },
  ];

  return { COLORS, $, fmt, pct, clock, seconds, esc, chartOptions, gauge, priceLines,
    positionLevels };
})();
