// CareCover staff fleet map. [data-fleet-map] names its data in data-source (same-origin JSON:
// centre, zoom, tiles, markers with lat/lng/colour) and reloads it every data-refresh-s seconds.
// Without a tile server the markers sit on a blank background. Text only goes in through
// textContent; the alert stream beside the map works without this script.
(() => {
  "use strict";

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch {
      return false;
    }
  }

  function popupFor(marker, linkText) {
    const box = document.createElement("div");
    box.className = "map-popup";
    const title = document.createElement("strong");
    title.textContent = `${marker.name ?? ""} · ${marker.vin ?? ""}`;
    box.append(title);
    const meta = document.createElement("span");
    meta.className = "muted small";
    const speed = Number.isFinite(marker.speed) ? `${Math.round(marker.speed)} km/h` : "";
    meta.textContent = [marker.severity_label, marker.alert, marker.at, speed].filter(Boolean).join(" · ");
    box.append(meta);
    const url = String(marker.url ?? "");
    if (url.startsWith("/") && !url.startsWith("//")) {
      const link = document.createElement("a");
      link.href = url;
      link.textContent = linkText;
      box.append(link);
    }
    return box;
  }

  function counts(element, data) {
    const legend = element.parentElement?.querySelector("[data-testid=fleet-legend]");
    for (const [level, n] of Object.entries(data.counts ?? {})) {
      const slot = legend?.querySelector(`[data-count="${level}"]`);
      if (slot) {
        slot.textContent = `(${Number(n) || 0})`;
      }
    }
  }

  function mount(element, data) {
    const L = window.L;
    const map = L.map(element, { attributionControl: false });
    if (typeof data.tiles === "string" && data.tiles) {
      element.classList.add("has-tiles");
      L.tileLayer(data.tiles, { maxZoom: 18 }).addTo(map);
    }
    const note = element.parentElement?.querySelector("[data-map-attribution]");
    if (note) {
      note.textContent = data.attribution || "";
    }
    const layer = L.layerGroup().addTo(map);
    return { map, layer, fitted: false };
  }

  function draw(element, view, data) {
    const L = window.L;
    const linkText = element.dataset.linkText || "";
    view.layer.clearLayers();
    const points = [];
    for (const marker of Array.isArray(data.markers) ? data.markers : []) {
      if (!Number.isFinite(marker.lat) || !Number.isFinite(marker.lng)) {
        continue;
      }
      L.circleMarker([marker.lat, marker.lng], {
        radius: marker.severity === "urgent" ? 9 : 7,
        color: "#ffffff",
        weight: 1,
        fillColor: String(marker.colour || "#16a34a"),
        fillOpacity: 0.92,
      })
        .bindPopup(() => popupFor(marker, linkText))
        .addTo(view.layer);
      points.push([marker.lat, marker.lng]);
    }
    if (!view.fitted) {
      if (points.length) {
        view.map.fitBounds(points, { padding: [24, 24], maxZoom: 14 });
      } else {
        view.map.setView(data.center, data.zoom);
      }
      view.fitted = true;
    }
    counts(element, data);
    element.dataset.markerCount = String(points.length);
    element.dataset.mapState = "ready";
  }

  async function fetchData(source) {
    const response = await fetch(source, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    return response.json();
  }

  async function start(element) {
    const source = element.dataset.source || "";
    const every = Math.max(5, Number(element.dataset.refreshS) || 15) * 1000;
    let view = null;
    const tick = async () => {
      try {
        const data = await fetchData(source);
        view = view || mount(element, data);
        draw(element, view, data);
      } catch (error) {
        console.warn("fleet map:", error);
        if (!view) {
          element.dataset.mapState = "failed";
          const message = document.createElement("p");
          message.className = "map-failed";
          message.textContent = element.dataset.errorText || "";
          element.replaceChildren(message);
          return;
        }
      }
      window.setTimeout(tick, every);
    };
    if (!window.L || !sameOrigin(source)) {
      element.dataset.mapState = "failed";
      return;
    }
    tick();
  }

  function boot() {
    document.querySelectorAll("[data-fleet-map]").forEach((element) => start(element));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
