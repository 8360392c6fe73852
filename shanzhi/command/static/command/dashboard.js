// The command dashboard: grids coloured by this month's appeals, overdue orders as red circles,
// open sensor events as markers; figures and map layers are fetched again every 30 seconds.
(function () {
  var config = JSON.parse(document.getElementById("command-map-config").textContent);
  var element = document.getElementById("command-map");
  var status = document.getElementById("map-status");
  var map = L.map(element, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  shanzhiBaseMap(map, config);  // tiles if configured, and the region outlines
  var grids = null, overlay = L.layerGroup().addTo(map), layer = { density: {}, overdue: {}, events: [] };

  function colour(n, max) {
    if (!n) { return "#f2f2f2"; }
    var steps = ["#fde0c5", "#facba6", "#f8b58b", "#f59e72", "#f2855d", "#ef6a4c", "#c2185b"];
    return steps[Math.min(steps.length - 1, Math.floor(steps.length * n / (max + 1)))];
  }

  function paint() {
    if (!grids) { return; }
    var max = 0;
    Object.keys(layer.density).forEach(function (k) { max = Math.max(max, layer.density[k]); });
    grids.setStyle(function (feature) {
      var n = layer.density[feature.properties.code] || 0;
      return { color: "#7a1d1d", weight: 1, fillColor: colour(n, max), fillOpacity: 0.7 };
    });
    grids.eachLayer(function (shape) {
      var p = shape.feature.properties;
      shape.bindTooltip(p.name + " · " + (layer.density[p.code] || 0) + " · " +
        (layer.overdue[p.code] || 0));
    });
    overlay.clearLayers();
    grids.eachLayer(function (shape) {
      var code = shape.feature.properties.code, overdue = layer.overdue[code];
      if (overdue) {
        L.circleMarker(shape.getBounds().getCenter(), {
          radius: 4 + Math.min(overdue, 10), color: "#b00020", weight: 2, fillOpacity: 0.2
        }).addTo(overlay);
      }
    });
    layer.events.forEach(function (e) {
      var marker = L.circleMarker([e.lat, e.lon], {
        radius: 7, color: "#1d3f8f", fillColor: "#2b7bb9", fillOpacity: 0.9, className: "sz-event"
      }).addTo(overlay);
      var link = document.createElement("a");
      link.href = config.orderUrl + e.id + "/";
      link.textContent = e.code + " " + e.title;
      var box = document.createElement("div");
      box.appendChild(link);
      box.appendChild(document.createTextNode(" " + e.at));
      marker.bindPopup(box);
    });
    element.setAttribute("data-event-count", String(layer.events.length));
  }

  function loadLayer() {
    return fetch(config.layerUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { layer = data; paint(); });
  }

  fetch(config.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (collection) {
      grids = L.geoJSON(collection, {
        onEachFeature: function (feature, shape) {
          shape.on("click", function () {
            window.location.href = config.ordersUrl + encodeURIComponent(feature.properties.code);
          });
        }
      }).addTo(map);
      var bounds = grids.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8] }); }
      else if (config.centre) { map.setView(config.centre, 11); }
      else { map.setView([30.87, 120.09], 10); }
      element.setAttribute("data-grid-count", String(collection.features.length));
      return loadLayer();
    })
    .then(function () { if (status) { status.textContent = ""; } })
    .catch(function (error) { if (status) { status.textContent = String(error); } });

  function refresh() {
    var body = document.getElementById("dashboard-body");
    fetch(body.getAttribute("data-partial-url"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["dashboard-body", "dashboard-more"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) { old.innerHTML = fresh.innerHTML; }
        });
      })
      .catch(function () { /* keep the figures shown; try again next round */ });
    loadLayer().catch(function () {});
  }
  setInterval(refresh, 30000);
})();
