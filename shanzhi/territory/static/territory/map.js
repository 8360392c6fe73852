// Draws grids with Leaflet. Without a configured tile server the map has no base layer, which is
// what an offline intranet gets; the grids alone still show the territory.
(function () {
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var element = document.getElementById("grid-map");
  var status = document.getElementById("grid-map-status");
  var map = L.map(element, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  var style = { color: "#a61b1b", weight: 1.5, fillColor: "#f0ad4e", fillOpacity: 0.25 };

  function show(collection) {
    var layer = L.geoJSON(collection, {
      style: style,
      onEachFeature: function (feature, shape) {
        var p = feature.properties || {};
        if (p.name) {
          shape.bindTooltip(p.name, { className: "sz-grid-label" });
        }
        if (config.gridPageUrl && p.code) {
          shape.on("click", function () {
            window.location.href = config.gridPageUrl + encodeURIComponent(p.code) + "/";
          });
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [10, 10] });
    } else if (config.centre) {
      map.setView(config.centre, 11);
    } else {
      map.setView([30.27, 120.15], 8);
    }
    return layer;
  }

  if (config.geometry) {
    show({ type: "Feature", geometry: config.geometry, properties: {} });
    return;
  }
  fetch(config.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    })
    .then(function (collection) {
      show(collection);
      element.setAttribute("data-grid-count", String(collection.features.length));
      if (status) {
        status.textContent = status.dataset.loaded.replace("{n}", collection.features.length);
      }
    })
    .catch(function (error) {
      if (status) { status.textContent = status.dataset.failed + " " + error; }
    });
})();
