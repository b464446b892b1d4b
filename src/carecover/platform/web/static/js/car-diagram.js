// CareCover guided damage assessment (claims/_assessment.html). The table of selects is the form
// and works without this script; here it gains the top view of the car: tapping a part (or Enter /
// Space on it) reveals and focuses that part's row, damaged parts are coloured by severity, and a
// live list sums up what is picked. Text only ever goes in through textContent.
(() => {
  "use strict";

  if (window.carecoverCarDiagram) {
    return; // loaded twice (e.g. an HTMX swap brought the script tag again)
  }
  const started = new WeakSet();

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  function optionText(select) {
    const option = select.options[select.selectedIndex];
    return option ? option.textContent.trim() : "";
  }

  function init(root) {
    if (started.has(root)) {
      return;
    }
    started.add(root);

    const side = root.querySelector("[data-assess-diagram]");
    const list = root.querySelector("[data-assess-picked]");
    const nothing = root.querySelector("[data-assess-nothing]");
    const showAllButton = root.querySelector("[data-assess-show-all]");
    const table = root.querySelector(".assess-table");
    const itemFormat = root.dataset.itemFormat || "{part}: {damage}, {severity}";
    const reduceMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;

    const parts = new Map(); // code → { row, damage, severity, label, region }
    for (const row of root.querySelectorAll("tr[data-part]")) {
      const damage = row.querySelector("[data-assess-damage]");
      const severity = row.querySelector("[data-assess-severity]");
      if (damage && severity) {
        parts.set(row.dataset.part, {
          row,
          damage,
          severity,
          label: row.dataset.label || row.dataset.part,
          region: null,
        });
      }
    }
    for (const region of root.querySelectorAll(".assess-region[data-part]")) {
      const part = parts.get(region.dataset.part);
      if (part) {
        part.region = region;
      } else {
        region.remove(); // no row to drive: not clickable
      }
    }

    let current = null;
    let showAll = false;

    function summary(part) {
      return format(itemFormat, {
        part: part.label,
        damage: optionText(part.damage),
        severity: optionText(part.severity),
      });
    }

    function sync() {
      const picked = [];
      for (const [code, part] of parts) {
        const damaged = part.damage.value !== "";
        part.row.classList.toggle("is-damaged", damaged);
        part.row.classList.toggle("is-current", code === current);
        part.row.hidden = !(showAll || damaged || code === current);
        if (damaged) {
          picked.push([code, summary(part)]);
        }
        if (part.region) {
          if (damaged) {
            part.region.dataset.severity = part.severity.value;
          } else {
            delete part.region.dataset.severity;
          }
          part.region.classList.toggle("is-current", code === current);
          part.region.setAttribute("aria-label", damaged ? summary(part) : part.label);
          const title = part.region.querySelector("title");
          if (title) {
            title.textContent = damaged ? summary(part) : part.label;
          }
        }
      }
      for (const body of root.querySelectorAll("tbody")) {
        body.hidden = !body.querySelector("tr[data-part]:not([hidden])");
      }
      if (table) {
        table.hidden = !table.querySelector("tbody:not([hidden])"); // no empty header row
      }
      renderList(picked);
    }

    function renderList(picked) {
      if (!list) {
        return;
      }
      // Only touch the live region when its text changes, so nothing is announced needlessly.
      const now = [...list.children].map((li) => `${li.dataset.part}\n${li.textContent}`);
      const next = picked.map(([code, text]) => `${code}\n${text}`);
      if (now.join("\n\n") !== next.join("\n\n")) {
        list.replaceChildren(
          ...picked.map(([code, text]) => {
            const li = document.createElement("li");
            li.dataset.part = code;
            li.textContent = text;
            return li;
          }),
        );
      }
      if (nothing) {
        nothing.hidden = picked.length > 0;
      }
    }

    function activate(code) {
      const part = parts.get(code);
      if (!part) {
        return;
      }
      current = code;
      sync();
      part.row.scrollIntoView({ block: "nearest", behavior: reduceMotion ? "auto" : "smooth" });
      part.damage.focus({ preventScroll: true });
    }

    const svg = side?.querySelector("svg");
    svg?.addEventListener("click", (event) => {
      const region = event.target.closest?.(".assess-region[data-part]");
      if (region) {
        activate(region.dataset.part);
      }
    });
    svg?.addEventListener("keydown", (event) => {
      const region = event.target.closest?.(".assess-region[data-part]");
      if (region && (event.key === "Enter" || event.key === " " || event.key === "Spacebar")) {
        event.preventDefault(); // Space would scroll the page
        activate(region.dataset.part);
      }
    });

    root.addEventListener("change", (event) => {
      if (event.target.matches?.("[data-assess-damage], [data-assess-severity]")) {
        sync();
      }
    });
    root.addEventListener("focusin", (event) => {
      const row = event.target.closest?.("tr[data-part]");
      if (row && row.dataset.part !== current && parts.has(row.dataset.part)) {
        current = row.dataset.part;
        sync();
      }
    });
    root.closest("form")?.addEventListener("reset", () => window.setTimeout(sync, 0));

    showAllButton?.addEventListener("click", () => {
      showAll = !showAll;
      showAllButton.setAttribute("aria-pressed", String(showAll));
      sync();
    });

    root.classList.add("assess-js");
    if (side) {
      side.hidden = false;
    }
    if (showAllButton) {
      showAllButton.hidden = false;
    }
    sync();
  }

  function initAll(scope) {
    if (scope instanceof Element && scope.matches("[data-assessment]")) {
      init(scope);
    }
    scope.querySelectorAll?.("[data-assessment]").forEach(init);
  }

  window.carecoverCarDiagram = { init: initAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => initAll(document));
  } else {
    initAll(document);
  }
  // Fragments swapped in by HTMX.
  document.addEventListener("htmx:load", (event) => initAll(event.target));
})();
