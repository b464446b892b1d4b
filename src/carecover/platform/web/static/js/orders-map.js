// CareCover orders maps. Each [data-orders-map] element names a points element in data-points
// (an element whose data-map-points attribute holds JSON: markers, optional GeoJSON cells) and
// redraws from it whenever HTMX swaps that element in. data-orders-map="picker" adds a movable
// pin bound to the lat/lng fields of the form named in data-form; with the fields empty it asks
// the device for its position. Text only goes in through textContent; pages work without this.
(() => {
  "use strict";

  const views = new Map();

  function readPoints(selector) {
    const holder = selector ? document.querySelector(selector) : null;
    if (!holder) {
      return {}; // a map of its own pin only (the rescue picker)
    }
    try {
      return JSON.parse(holder.dataset.mapPoints || "{}");
    } catch (error) {
      console.warn("orders map:", error);
      return null;
    }
  }

  function popup(text) {
    const box = document.createElement("div");
    box.className = "map-popup";
    box.textContent = String(text ?? "");
    return box;
  }

  function mount(element) {
    const L = window.L;
    const map = L.map(element, { attributionControl: false });
    const tiles = element.dataset.tiles || "";
    if (tiles) {
      element.classList.add("has-tiles");
      L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
    }
    const view = { map, cells: L.layerGroup().addTo(map), marks: L.layerGroup().addTo(map), fitted: false };
    if (element.dataset.ordersMap === "picker") {
      view.pin = picker(element, map);
    }
    return view;
  }

  function fieldsOf(element) {
    const form = document.querySelector(element.dataset.form || "");
    return form ? [form.querySelector("[name=lat]"), form.querySelector("[name=lng]")] : [null, null];
  }

  function picker(element, map) {
    const L = window.L;
    const [lat, lng] = fieldsOf(element);
    if (!lat || !lng) {
      return null;
    }
    const pin = L.marker([0, 0], { draggable: true, keyboard: true });
    const place = (point, fill) => {
      pin.setLatLng(point);
      if (!map.hasLayer(pin)) {
        pin.addTo(map);
      }
      if (fill) {
        lat.value = point.lat.toFixed(6);
        lng.value = point.lng.toFixed(6);
      }
    };
    const fromFields = () => {
      const a = Number.parseFloat(lat.value);
      const b = Number.parseFloat(lng.value);
      if (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place(L.latLng(a, b), false);
        map.setView([a, b], Math.max(map.getZoom() || 0, 15));
        return true;
      }
      return false;
    };
    pin.on("dragend", () => place(pin.getLatLng(), true));
    map.on("click", (event) => place(event.latlng, true));
    lat.addEventListener("change", fromFields);
    lng.addEventListener("change", fromFields);
    // app.js's "use my location" button fills the fields and then writes its status line.
    const status = lat.form?.querySelector("[data-locate-status]");
    if (status && window.MutationObserver) {
      new MutationObserver(fromFields).observe(status, { childList: true, characterData: true, subtree: true });
    }
    if (!fromFields()) {
      map.setView([35.0, 104.0], 4);
      if (navigator.geolocation) {
        navigator.geolocation.getCurrentPosition(
          (pos) => {
            if (!lat.value && !lng.value) {
              place(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
              map.setView(pin.getLatLng(), 15);
            }
          },
          () => {},
          { enableHighAccuracy: true, timeout: 10000 },
        );
      }
    }
    return { fromFields };
  }

  function draw(element, view, data) {
    const L = window.L;
    view.cells.clearLayers();
    view.marks.clearLayers();
    const bounds = [];
    if (data.cells && Array.isArray(data.cells.features) && data.cells.features.length) {
      const layer = L.geoJSON(data.cells, {
        style: (feature) => ({
          color: String(feature.properties?.colour || "#6b7280"),
          weight: 1,
          fillOpacity: 0.35,
        }),
      });
      layer.addTo(view.cells);
      const box = layer.getBounds();
      if (box.isValid()) {
        bounds.push(box.getSouthWest(), box.getNorthEast());
      }
    }
    for (const m of Array.isArray(data.markers) ? data.markers : []) {
      if (!Number.isFinite(m.lat) || !Number.isFinite(m.lng)) {
        continue;
      }
      L.circleMarker([m.lat, m.lng], {
        radius: Number(m.radius) || 7,
        color: String(m.stroke || "#ffffff"),
        weight: Number(m.weight) || 1,
        fillColor: String(m.colour || "#2563eb"),
        fillOpacity: 0.92,
      })
        .bindPopup(() => popup(m.label))
        .addTo(view.marks);
      bounds.push(L.latLng(m.lat, m.lng));
    }
    if (!view.fitted && element.dataset.ordersMap !== "picker") {
      if (bounds.length) {
        view.map.fitBounds(L.latLngBounds(bounds), { padding: [24, 24], maxZoom: 15 });
      } else {
        view.map.setView([35.0, 104.0], 4);
      }
      view.fitted = true;
    }
    element.dataset.markerCount = String(view.marks.getLayers().length);
    element.dataset.mapState = "ready";
  }

  function refresh(element) {
    const view = views.get(element);
    const data = readPoints(element.dataset.points);
    if (view && data) {
      draw(element, view, data);
    }
  }

  function start(element) {
    if (views.has(element)) {
      return;
    }
    if (!window.L) {
      element.dataset.mapState = "failed";
      const message = document.createElement("p");
      message.className = "map-failed";
      message.textContent = element.dataset.errorText || "";
      element.replaceChildren(message);
      return;
    }
    views.set(element, mount(element));
    refresh(element);
  }

  function boot() {
    document.querySelectorAll("[data-orders-map]").forEach(start);
  }

  document.addEventListener("htmx:afterSwap", () => {
    document.querySelectorAll("[data-orders-map]").forEach(refresh);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
