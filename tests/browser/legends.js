// Injected by test_report.py: each figure's legend colours and axis ticks, as rendered.
(() => [...document.querySelectorAll("figure")].map((figure) => ({
  id: figure.id,
  colours: [...figure.querySelectorAll(".legend i")].map((i) => getComputedStyle(i).backgroundColor),
  xTicks: [...figure.querySelectorAll("svg text.tick")].filter((t) => t.getAttribute("text-anchor") === "middle").length,
  yTicks: [...figure.querySelectorAll("svg text.tick")].filter((t) => t.getAttribute("text-anchor") === "end").length,
})))
