// CareCover: small progressive enhancements; pages work without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const chart = document.querySelector("[data-chart]");
  if (chart && window.echarts) {
    const spec = JSON.parse(chart.dataset.chart);
    const instance = window.echarts.init(chart, null, { renderer: "svg" });
    instance.setOption({
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: spec.counts, itemStyle: { color: "#0f766e" } }],
    });
    window.addEventListener("resize", () => instance.resize());
  }
});

// Print buttons (label sheets): no inline scripts under the CSP.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});

// "Use my location" buttons fill the form's lat/lng fields from the device (no network lookups).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-locate]");
  if (!button || !navigator.geolocation) {
    return;
  }
  const form = button.closest("form");
  const status = form.querySelector("[data-locate-status]");
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("[name=lng]").value = pos.coords.longitude.toFixed(6);
      if (status) status.textContent = `${pos.coords.latitude.toFixed(4)}, ${pos.coords.longitude.toFixed(4)}`;
    },
    () => { if (status) status.textContent = button.dataset.failed || ""; },
    { enableHighAccuracy: true, timeout: 10000 },
  );
});
