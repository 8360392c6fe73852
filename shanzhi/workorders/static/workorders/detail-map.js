// The work order's point, and the outline of its grid, on a small map over the base map
// (territory/basemap.js). The view is set before the shapes are added, as Leaflet wants.
(function () {
  var element = document.getElementById("sz-detail-map");
  var configNode = document.getElementById("detail-map-config");
  if (!element || !configNode || typeof L === "undefined") { return; }
  var config = JSON.parse(configNode.textContent);
  var map = L.map(element, { zoomSnap: 0.25, scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  shanzhiBaseMap(map, config);  // tiles if configured, and the region outlines
  var grid = null;
  var bounds = null;
  if (config.geometry) {
    grid = L.geoJSON({ type: "Feature", geometry: config.geometry, properties: {} }, {
      style: { color: "#a61b1b", weight: 1.5, fillColor: "#f0ad4e", fillOpacity: 0.2 }
    });
    bounds = grid.getBounds();
  }
  if (config.point) {
    bounds = bounds && bounds.isValid() ? bounds.extend(config.point) : L.latLngBounds([config.point, config.point]);
  }
  if (!bounds || !bounds.isValid()) { return; }
  map.fitBounds(bounds, { padding: [12, 12], maxZoom: 16 });
  if (grid) { grid.addTo(map); }
  if (config.point) {
    L.circleMarker(config.point, { radius: 8, color: "#a61b1b", weight: 3, fillColor: "#a61b1b", fillOpacity: 0.6 }).addTo(map);
  }
})();
