/* Yimen events pages: the map pin for reports, the command-centre map, the inbox's live stream.
   Leaflet itself comes from the xstatic-leaflet package (static/leaflet/). */
(function () {
  "use strict";
  var CENTRE = [23.02, 113.11];
  var COLOURS = { triage: "#9a6700", dispatched: "#b3261e", acknowledged: "#1d4ed8", returned: "#8250df",
                  resolved: "#1a7f37", reported: "#5b6470", closed: "#8c959f", rejected: "#8c959f" };

  function baseMap(el, zoom) {
    var map = L.map(el).setView(CENTRE, zoom || 13);
    L.tileLayer(el.dataset.tiles || "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
      { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    if (el.dataset.grids) {
      fetch(el.dataset.grids).then(function (r) { return r.json(); }).then(function (fc) {
        var layer = L.geoJSON(fc, { style: { color: "#b3261e", weight: 0.6, fillOpacity: 0.03 } }).addTo(map);
        // The level switcher chose a street or village: zoom to its grids.
        if (el.dataset.fit === "1" && layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [12, 12] }); }
      }).catch(function () {});
    }
    return map;
  }

  function pinPicker(el) {
    var map = baseMap(el, 14);
    var lat = document.getElementById("id_lat"), lng = document.getElementById("id_lng");
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
      lat.value = latlng.lat.toFixed(6); lng.value = latlng.lng.toFixed(6);
      var shown = document.getElementById("pin-shown");
      if (shown) { shown.textContent = lat.value + ", " + lng.value; }
    }
    if (lat.value && lng.value) { place(L.latLng(+lat.value, +lng.value)); map.setView([+lat.value, +lng.value], 16); }
    map.on("click", function (e) { place(e.latlng); });
    el.yimenPlace = place;
    el.yimenMap = map;
    var gps = document.getElementById("use-gps");
    if (gps && navigator.geolocation) {
      var locate = function () {
        navigator.geolocation.getCurrentPosition(function (p) {
          var here = L.latLng(p.coords.latitude, p.coords.longitude);
          place(here); map.setView(here, 17);
        }, function () {}, { enableHighAccuracy: true, timeout: 8000 });
      };
      gps.addEventListener("click", locate);
      if (gps.dataset.auto === "1") { locate(); }
    }
  }

  function boardMap(el) {
    var map = baseMap(el, 12);
    var points = JSON.parse(document.getElementById("event-points").textContent);
    points.forEach(function (p) {
      L.circleMarker([p.lat, p.lng], { radius: p.urgent ? 8 : 6, color: COLOURS[p.status] || "#333",
        fillOpacity: 0.8 }).addTo(map)
        .bindPopup('<a href="/events/e/' + p.number + '/">' + p.number + "</a><br>" + p.name + " · " + p.label);
    });
  }

  function hotMap(el) {
    var map = baseMap(el, 12);
    JSON.parse(document.getElementById("hot-spots").textContent).forEach(function (h) {
      L.circleMarker([h.lat, h.lng], { radius: 6 + Math.sqrt(h.n), color: "#b3261e", fillOpacity: 0.5 })
        .addTo(map).bindPopup(h.name + ": " + h.n);
    });
  }

  function liveInbox(list) {
    if (!window.EventSource) { return; }
    var source = new EventSource(list.dataset.stream + "?after=" + list.dataset.cursor);
    var status = document.getElementById("live-status");
    source.onopen = function () { if (status) { status.textContent = status.dataset.on; } };
    source.onerror = function () { if (status) { status.textContent = status.dataset.off; } };
    source.addEventListener("dispatched", function (e) {
      var holder = document.createElement("tbody");
      holder.innerHTML = e.data;
      var row = holder.firstElementChild;
      if (!row) { return; }
      var old = document.getElementById(row.id);
      if (old) { old.remove(); }
      var empty = document.getElementById("inbox-empty");
      if (empty) { empty.remove(); }
      row.classList.add("fresh");
      list.insertBefore(row, list.firstChild);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-pin-map]").forEach(pinPicker);
    document.querySelectorAll("[data-board-map]").forEach(boardMap);
    document.querySelectorAll("[data-stream]").forEach(liveInbox);
    document.querySelectorAll("[data-hot-map]").forEach(hotMap);
  });
})();
