// Draws grids with Leaflet, over the base map (territory/basemap.js): tiles when a server is
// configured, and the real county and township outlines even on an offline intranet.
(function () {
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var element = document.getElementById("grid-map");
  var status = document.getElementById("grid-map-status");
  var map = L.map(element, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  shanzhiBaseMap(map, config);  // tiles if configured, and the region outlines
  var style = { color: "#a61b1b", weight: 1.5, fillColor: "#f0ad4e", fillOpacity: 0.25 };

  function show(collection) {
    var layer = L.geoJSON(collection, {
      style: style,
      onEachFeature: function (feature, shape) {
        var p = feature.properties || {};
        if (config.gridPageUrl && p.code) {
          shape.on("click", function () {
            window.location.href = config.gridPageUrl + encodeURIComponent(p.code) + "/";
          });
        }
      }
    }).addTo(map);
    shanzhiGridNames(map, layer, "sz-grid-label", 15);
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

  // Open sensor alarms (物联感知告警): one circle per work order an alarm opened, coloured by
  // level, with a popup linking to the order; redrawn every few seconds.
  var LEVEL_COLOURS = { minor: "#17a2b8", major: "#fd7e14", critical: "#dc3545" };
  var alarmStatus = document.getElementById("alarm-status");
  var alarmLayer = null;
  var alarmsShown = "";

  function text(tag, content, className) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (className) { node.className = className; }
    return node;
  }

  function alarmPopup(p) {
    var box = document.createElement("div");
    box.className = "sz-alarm-popup";
    box.appendChild(text("strong", p.alarm_type_label + " · " + p.level_label));
    box.appendChild(text("div", p.device_name + "（" + p.device_id + "）"));
    box.appendChild(text("div", new Date(p.last_at).toLocaleString()));
    if (p.count > 1 && alarmStatus) {
      box.appendChild(text("div", alarmStatus.dataset.times.replace("{n}", p.count)));
    }
    box.appendChild(text("div", p.state_label, "text-muted"));
    var link = text("a", (alarmStatus ? alarmStatus.dataset.open : "") + " " + p.code);
    link.href = p.url;
    box.appendChild(link);
    return box;
  }

  function showAlarms(collection) {
    var fingerprint = JSON.stringify(collection);
    if (fingerprint === alarmsShown) { return; } // unchanged: keep an open popup open
    alarmsShown = fingerprint;
    var layer = L.geoJSON(collection, {
      pointToLayer: function (feature, latlng) {
        var colour = LEVEL_COLOURS[feature.properties.level] || "#dc3545";
        return L.circleMarker(latlng, {
          radius: 9, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.95
        });
      },
      onEachFeature: function (feature, marker) {
        var p = feature.properties;
        marker.bindTooltip(p.alarm_type_label + " · " + p.device_name);
        marker.bindPopup(alarmPopup(p));
      }
    });
    if (alarmLayer) { map.removeLayer(alarmLayer); }
    alarmLayer = layer.addTo(map);
    element.setAttribute("data-alarm-count", String(collection.features.length));
    if (alarmStatus) {
      alarmStatus.textContent = alarmStatus.dataset.loaded.replace("{n}", collection.features.length);
    }
  }

  function loadAlarms() {
    fetch(config.alarmsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(showAlarms)
      .catch(function (error) {
        if (alarmStatus) { alarmStatus.textContent = alarmStatus.dataset.failed + " " + error; }
      });
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
      if (config.alarmsUrl) {
        loadAlarms();
        window.setInterval(loadAlarms, (config.alarmsRefreshSeconds || 10) * 1000);
      }
    })
    .catch(function (error) {
      if (status) { status.textContent = status.dataset.failed + " " + error; }
    });
})();
