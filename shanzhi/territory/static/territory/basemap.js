// What every map draws under its own layers: the configured tile server (天地图 or an intranet
// one, shanzhi/core/basemap.py), and always the real outlines of the cities, counties and
// townships with their names (/api/v1/public/outlines), so that a map without tiles, offline,
// still shows where places are. Outlines sit in their own pane below the grids and take no
// clicks, so taps reach the grids and the location picker.
window.shanzhiBaseMap = function (map, config) {
  (config.tiles || []).forEach(function (tiles) {
    L.tileLayer(tiles.url, {
      subdomains: tiles.subdomains, attribution: tiles.attribution, maxZoom: tiles.maxZoom
    }).addTo(map);
  });
  if (!config.outlinesUrl) { return; }
  var pane = map.createPane("sz-outlines");
  pane.style.zIndex = 350;  // above tiles (200), below grids and markers (400+)
  pane.style.pointerEvents = "none";
  var namePane = map.createPane("sz-outline-names");  // names over every outline's fill
  namePane.style.zIndex = 360;
  namePane.style.pointerEvents = "none";
  var offline = !(config.tiles || []).length;
  var STYLE = {
    city: { color: "#5a6268", weight: 2.5, fill: false },
    county: { color: "#6c757d", weight: 1.5, dashArray: "6 4", fillColor: "#fbfaf4", fillOpacity: offline ? 0.9 : 0 },
    township: { color: "#8d959c", weight: 1, dashArray: "2 3", fill: false }
  };
  // Names appear from the zoom where they no longer crowd each other.
  var NAME_ZOOM = { city: 0, county: 9, township: 12 };  // the city's name gives way to its counties'
  var names = [];

  function showNames() {
    var zoom = map.getZoom();
    names.forEach(function (entry) {
      var visible = zoom >= NAME_ZOOM[entry.level] && !(entry.level === "city" && zoom >= NAME_ZOOM.county);
      if (visible && !map.hasLayer(entry.marker)) { entry.marker.addTo(map); }
      if (!visible && map.hasLayer(entry.marker)) { map.removeLayer(entry.marker); }
    });
  }

  fetch(config.outlinesUrl, { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    })
    .then(function (collection) {
      L.geoJSON(collection, {
        pane: "sz-outlines",
        interactive: false,
        style: function (feature) {
          var level = feature.properties.level;
          return Object.assign({ className: "sz-outline sz-outline-" + level }, STYLE[level] || STYLE.township);
        },
        onEachFeature: function (feature, shape) {
          var p = feature.properties;
          var label = document.createElement("span");
          label.textContent = p.name;
          names.push({
            level: p.level,
            marker: L.marker([p.label[1], p.label[0]], {
              pane: "sz-outline-names",
              interactive: false,
              keyboard: false,
              icon: L.divIcon({ className: "sz-outline-name sz-outline-name-" + p.level, html: label.outerHTML, iconSize: null })
            })
          });
        }
      }).addTo(map);
      map.getContainer().setAttribute("data-outline-count", String(collection.features.length));
      showNames();
      map.on("zoomend", showNames);
    })
    .catch(function () {
      map.getContainer().setAttribute("data-outline-count", "0");  // the map works without them
    });
};

// Grid names: a tooltip on hover while the map is zoomed out, written on each grid from
// `minZoom` on, where they fit (a phone has no hover).
window.shanzhiGridNames = function (map, layer, className, minZoom) {
  var written = null;
  function label() {
    var write = map.getZoom() >= minZoom;
    if (write === written) { return; }
    written = write;
    layer.eachLayer(function (shape) {
      var name = shape.feature && shape.feature.properties && shape.feature.properties.name;
      if (!name) { return; }
      shape.unbindTooltip();
      shape.bindTooltip(name, write
        ? { className: className, permanent: true, direction: "center" }
        : { className: className, sticky: true });
    });
  }
  label();
  map.on("zoomend", label);
};
