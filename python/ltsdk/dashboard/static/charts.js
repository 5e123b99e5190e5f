// The token page's charts (uPlot, vendored): NAV per share vs the underlying vs the ideal
// daily-leveraged product, as index levels (100 at the window's start) with each rebalance marked;
// and the cumulative costs: the fund's own trades, funding, the management fee. Data: #chart-data.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const width = () => Math.min(document.querySelector("main").clientWidth - 20, 1400);

  function draw(id, title, columns, series) {
    const el = document.getElementById(id);
    if (!el || columns.t.length < 2) return null;
    const opts = {
      title: title,
      width: width(),
      height: 300,
      series: [{}].concat(series.map((s) => Object.assign({ width: 1.5 }, s))),
      axes: [{}, { size: 70 }],
    };
    return new uPlot(opts, [columns.t].concat(series.map((s) => columns[s.key])), el);
  }

  const nav = draw("nav-chart", "NAV per share vs underlying vs ideal daily-leveraged (100 = start)", data.navs, [
    { key: "fund", label: "fund (NAV/share)", stroke: "#0969da" },
    { key: "underlying", label: "underlying", stroke: "#8c959f" },
    { key: "ideal", label: "ideal daily-leveraged", stroke: "#bf8700", dash: [6, 4] },
    { key: "rebalance", label: "rebalance", stroke: "#cf222e", width: 0, paths: () => null,
      points: { show: true, size: 7, fill: "#cf222e" } },
  ]);
  const costs = draw("cost-chart", "Cumulative costs (collateral units)", data.costs, [
    { key: "trading", label: "rebalance cost", stroke: "#cf222e" },
    { key: "funding", label: "funding paid", stroke: "#8250df" },
    { key: "management", label: "management fee", stroke: "#1a7f37" },
  ]);
  window.addEventListener("resize", function () {
    for (const chart of [nav, costs]) if (chart) chart.setSize({ width: width(), height: 300 });
  });
})();
