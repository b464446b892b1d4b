// CareCover "find a charger" map. [data-charger-map] names its data in data-source (same-origin
// JSON: centre, zoom, tiles, here, markers with lat/lng/name/power/free/price/distance/url).
// Green markers have DC fast charging, blue AC only; the owner's position is a ring. Text only
// goes in through textContent; the list beside the map works without this script.
(() => {
  "use strict";

  const DC = "#16a34a";
  const AC = "#2563eb";

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
    title.textContent = String(marker.name ?? "");
    box.append(title);
    for (const line of [[marker.power, marker.free].filter(Boolean).join(" · "), marker.price, marker.distance]) {
      if (line) {
        const span = document.createElement("span");
        span.className = "muted small";
        span.textContent = String(line);
        box.append(span);
      }
    }
    const url = String(marker.url ?? "");
    if (url.startsWith("/") && !url.startsWith("//")) {
      const link = document.createElement("a");
      link.href = url;
      link.textContent = linkText;
      box.append(link);
    }
    return box;
  }

  function draw(element, data) {
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
    const points = [];
    const here = data.here;
    if (here && Number.isFinite(here.lat) && Number.isFinite(here.lng)) {
      L.circleMarker([here.lat, here.lng], { radius: 8, color: "#0f172a", weight: 3, fillOpacity: 0 })
        .bindTooltip(String(here.label ?? ""))
        .addTo(map);
      points.push([here.lat, here.lng]);
    }
    const linkText = element.dataset.linkText || "";
    let count = 0;
    for (const marker of Array.isArray(data.markers) ? data.markers : []) {
      if (!Number.isFinite(marker.lat) || !Number.isFinite(marker.lng)) {
        continue;
      }
      L.circleMarker([marker.lat, marker.lng], {
        radius: 8,
        color: "#ffffff",
        weight: 1,
        fillColor: marker.dc ? DC : AC,
        fillOpacity: 0.92,
      })
        .bindPopup(() => popupFor(marker, linkText))
        .addTo(map);
      points.push([marker.lat, marker.lng]);
      count += 1;
    }
    if (points.length > 1) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 15 });
    } else {
      map.setView(data.center, data.zoom);
    }
    element.dataset.markerCount = String(count);
    element.dataset.mapState = "ready";
  }

  function useMyLocation(button) {
    if (!navigator.geolocation) {
      button.disabled = true;
      return;
    }
    button.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition((position) => {
        const url = new URL(window.location.href);
        url.searchParams.set("lat", position.coords.latitude.toFixed(6));
        url.searchParams.set("lng", position.coords.longitude.toFixed(6));
        window.location.assign(url.toString());
      });
    });
    button.hidden = false;
  }

  async function start(element) {
    const source = element.dataset.source || "";
    if (!window.L || !sameOrigin(source)) {
      element.dataset.mapState = "failed";
      return;
    }
    try {
      const response = await fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      draw(element, await response.json());
    } catch (error) {
      console.warn("charger map:", error);
      element.dataset.mapState = "failed";
      const message = document.createElement("p");
      message.className = "map-failed";
      message.textContent = element.dataset.errorText || "";
      element.replaceChildren(message);
    }
  }

  function boot() {
    document.querySelectorAll("[data-charger-map]").forEach((element) => start(element));
    document.querySelectorAll("[data-use-location]").forEach((button) => useMyLocation(button));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
