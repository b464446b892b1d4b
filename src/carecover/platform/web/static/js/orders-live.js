// CareCover orders pages, live parts: offer countdowns tick every second (from the seconds left
// the server wrote, so clock skew does not matter), and HTMX polling of a [data-poll-pause]
// element waits while someone is typing or choosing inside it (a reason, a unit to send).
(() => {
  "use strict";

  const started = new WeakMap();

  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach((element) => {
      if (!started.has(element)) {
        started.set(element, now + (Number(element.dataset.leftS) || 0) * 1000);
      }
      const left = Math.max(0, Math.round((started.get(element) - now) / 1000));
      element.textContent = left > 0 ? `${left} s` : element.dataset.expiredText || "0 s";
      element.dataset.state = left > 0 ? (left <= 15 ? "soon" : "open") : "expired";
    });
  }

  document.addEventListener("htmx:beforeRequest", (event) => {
    const element = event.detail?.elt;
    const focused = document.activeElement;
    if (
      element?.matches?.("[data-poll-pause]") &&
      focused &&
      element.contains(focused) &&
      focused.matches("input, select, textarea")
    ) {
      event.preventDefault();
    }
  });

  window.setInterval(tick, 1000);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", tick);
  } else {
    tick();
  }
})();
