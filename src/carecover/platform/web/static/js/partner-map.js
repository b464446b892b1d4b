// CareCover partner network map. Each [data-partner-map] element names its data in data-source
// (same-origin JSON: centre, zoom, tiles, outline, markers). Text only ever goes in through
// textContent; the page works without this script (the table lists every partner).
(() => {
  "use strict";

  const maps = new WeakMap();
  const FALLBACK_COLOUR = "#475569";

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch {
      return false;
    }
  }

  function colours(element) {
    const style = window.getComputedStyle(element);
    const cache = new Map();
    return (name) => {
      if (!cache.has(name)) {
        cache.set(name, style.getPropertyValue(`--pt-${name}`).trim() || FALLBACK_COLOUR);
      }
      return cache.get(name);
    };
  }

  function popupFor(marker, linkText) {
    const box = document.createElement("div");
    box.className = "map-popup";
    const title = document.createElement("strong");
    title.textContent = String(marker.name ?? "");
    box.append(title);
    if (marker.partner && marker.partner !== marker.name) {
      const owner = document.createElement("span");
      owner.textContent = String(marker.partner);
      box.append(owner);
    }
    const meta = document.createElement("span");
    meta.className = "muted small";
    meta.textContent = [marker.type_label ?? marker.type, marker.status_label ?? marker.status]
      .filter(Boolean)
      .join(" · ");
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

  function showAttribution(element, text) {
    const note = element.parentElement?.querySelector("[data-map-attribution]");
    if (note) {
      note.textContent = text || "";
    }
  }

  function draw(element, data) {
    const L = window.L;
    const colourOf = colours(element);
    const linkText = element.dataset.linkText || "";
    // Leaflet's own attribution control writes HTML; ours is plain text below the map.
    const map = L.map(element, { attributionControl: false });
    maps.set(element, map);
    if (typeof data.tiles === "string" && data.tiles) {
      element.classList.add("has-tiles");
      L.tileLayer(data.tiles, { maxZoom: 18 }).addTo(map);
    }
    showAttribution(element, data.attribution);
    if (Array.isArray(data.outline) && data.outline.length >= 3) {
      L.polygon(data.outline, {
        color: colourOf("outline"),
        weight: 2,
        dashArray: "6 4",
        fillOpacity: 0.06,
        interactive: false,
      }).addTo(map);
    }
    const points = [];
    for (const marker of Array.isArray(data.markers) ? data.markers : []) {
      if (!Number.isFinite(marker.lat) || !Number.isFinite(marker.lng)) {
        continue;
      }
      L.circleMarker([marker.lat, marker.lng], {
        radius: 6,
        color: "#ffffff",
        weight: 1,
        fillColor: colourOf(marker.type),
        fillOpacity: 0.9,
      })
        .bindPopup(() => popupFor(marker, linkText))
        .addTo(map);
      points.push([marker.lat, marker.lng]);
    }
    if (points.length) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 14 });
    } else {
      map.setView(data.center, data.zoom);
    }
    element.dataset.markerCount = String(points.length);
    element.dataset.mapState = "ready";
  }

  function fail(element, error) {
    element.dataset.mapState = "failed";
    const message = document.createElement("p");
    message.className = "map-failed";
    message.textContent = element.dataset.errorText || "";
    element.replaceChildren(message);
    console.warn("partner map:", error);
  }

  async function load(element) {
    if (maps.has(element) || element.dataset.mapState) {
      return;
    }
    element.dataset.mapState = "loading";
    const source = element.dataset.source || "";
    try {
      if (!window.L) {
        throw new Error("Leaflet is not loaded");
      }
      if (!sameOrigin(source)) {
        throw new Error("map data must come from this site");
      }
      const response = await fetch(source, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      draw(element, await response.json());
    } catch (error) {
      fail(element, error);
    }
  }

  function mapsIn(root) {
    const found = Array.from(root.querySelectorAll?.("[data-partner-map]") ?? []);
    if (root.matches?.("[data-partner-map]")) {
      found.push(root);
    }
    return found;
  }

  function start(root) {
    mapsIn(root).forEach((element) => load(element));
  }

  // HTMX replaces the results (map included) when a filter changes: free the old map first.
  document.addEventListener("htmx:beforeSwap", (event) => {
    for (const element of mapsIn(event.detail.target)) {
      maps.get(element)?.remove();
      maps.delete(element);
    }
  });
  document.addEventListener("htmx:afterSwap", (event) => start(event.detail.target));

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => start(document));
  } else {
    start(document);
  }
})();
