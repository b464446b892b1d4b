// CareCover telematics charts: every [data-echart] element holds a complete ECharts option as
// JSON (built on the server, text already translated). No inline scripts under the CSP; the pages
// show the same figures in a table, so they work without this script.
(() => {
  "use strict";

  const charts = new WeakMap();

  function draw(element) {
    if (!window.echarts || charts.has(element)) {
      return;
    }
    try {
      const option = JSON.parse(element.dataset.echart || "{}");
      const chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(option);
      charts.set(element, chart);
      element.dataset.chartState = "ready";
    } catch (error) {
      element.dataset.chartState = "failed";
      console.warn("chart:", error);
    }
  }

  function start(root) {
    const found = Array.from(root.querySelectorAll?.("[data-echart]") ?? []);
    if (root.matches?.("[data-echart]")) {
      found.push(root);
    }
    found.forEach(draw);
  }

  window.addEventListener("resize", () => {
    document.querySelectorAll("[data-echart]").forEach((element) => charts.get(element)?.resize());
  });
  document.addEventListener("htmx:afterSwap", (event) => start(event.detail.target));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => start(document));
  } else {
    start(document);
  }
})();
