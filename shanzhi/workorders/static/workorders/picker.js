// A location picker: tap the map to set a pin (hidden lon/lat inputs), or use the device's
// position. Under it the base map (territory/basemap.js: tiles if configured, region outlines
// always), and township names as landmarks; signed-in staff also see the grid the pin falls in.
(function () {
  var element = document.getElementById("sz-picker");
  var configNode = document.getElementById("picker-config");
  if (!element || !configNode || typeof L === "undefined") { return; }
  var config = JSON.parse(configNode.textContent);
  var lonInput = document.getElementById(config.lonId);
  var latInput = document.getElementById(config.latId);
  var status = document.getElementById("sz-picker-status");
  var map = L.map(element, { zoomSnap: 0.25, tap: true });
  map.attributionControl.setPrefix("Leaflet");
  shanzhiBaseMap(map, config);  // tiles if configured, and the region outlines
  var labels = (config.places || []).map(function (place) {
    return L.circleMarker([place.lat, place.lon], { radius: 3, color: "#888", weight: 1, fillOpacity: 0.6 })
      .bindTooltip(place.name, { permanent: true, direction: "top", className: "sz-place-label" })
      .addTo(map);
  });

  // Landmark names that would overlap an earlier one are hidden until the map is zoomed in.
  function declutter() {
    var shown = [];
    labels.forEach(function (marker) {
      var element = marker.getTooltip() && marker.getTooltip().getElement();
      if (!element) { return; }
      element.style.visibility = "visible";
      var box = element.getBoundingClientRect();
      var clash = shown.some(function (other) {
        return box.left < other.right && box.right > other.left && box.top < other.bottom && box.bottom > other.top;
      });
      if (clash) { element.style.visibility = "hidden"; } else { shown.push(box); }
    });
  }
  map.on("zoomend moveend", declutter);
  if (config.bounds) {
    map.fitBounds(config.bounds, { padding: [10, 10] });
  } else {
    map.setView([30.27, 120.15], 8);
  }
  var marker = null;
  var lookup = 0;
  // Choosing the region (community, township) moves the map there, until a point is marked.
  var regionSelect = document.querySelector("select[name=region]");
  if (regionSelect && config.centres) {
    regionSelect.addEventListener("change", function () {
      var centre = config.centres[regionSelect.value];
      if (centre && !marker) { map.setView(centre, Math.max(map.getZoom(), 14)); }
    });
  }

  function say(key, values) {
    var text = status.dataset[key] || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("{" + name + "}", values[name]);
    });
    status.textContent = text;
  }

  function locateGrid(lat, lon) {
    if (!config.locateUrl) { return; }
    var ticket = ++lookup;
    var url = config.locateUrl + "?lon=" + encodeURIComponent(lon) + "&lat=" + encodeURIComponent(lat);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body || ticket !== lookup) { return; }
        var pinned = status.dataset.pinned.replace("{lon}", lon.toFixed(6)).replace("{lat}", lat.toFixed(6));
        var found = body.found && body.grid
          ? status.dataset.grid.replace("{name}", body.grid.name)
          : status.dataset.nogrid;
        status.textContent = pinned + " " + found;
      })
      .catch(function () { /* the pin stays; the server locates it again on submit */ });
  }

  function place(lat, lon, zoom) {
    lat = Math.round(lat * 1e6) / 1e6;
    lon = Math.round(lon * 1e6) / 1e6;
    if (marker) {
      marker.setLatLng([lat, lon]);
    } else {
      marker = L.circleMarker([lat, lon], { radius: 9, color: "#a61b1b", weight: 3, fillColor: "#a61b1b", fillOpacity: 0.5 }).addTo(map);
    }
    if (zoom) { map.setView([lat, lon], Math.max(map.getZoom(), 15)); }
    lonInput.value = String(lon);
    latInput.value = String(lat);
    say("pinned", { lon: lon.toFixed(6), lat: lat.toFixed(6) });
    locateGrid(lat, lon);
  }

  function clear() {
    if (marker) { map.removeLayer(marker); marker = null; }
    lonInput.value = "";
    latInput.value = "";
    lookup++;
    say("empty");
  }

  map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng, false); });

  var me = document.getElementById("sz-locate-me");
  if (me) {
    me.addEventListener("click", function () {
      if (!navigator.geolocation) { say("unsupported"); return; }
      say("locating");
      navigator.geolocation.getCurrentPosition(
        function (position) { place(position.coords.latitude, position.coords.longitude, true); },
        function () { say("denied"); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }
  var reset = document.getElementById("sz-clear-pin");
  if (reset) { reset.addEventListener("click", clear); }

  declutter();

  // Staff see the grids of their territory, which is what they know the ground by.
  if (config.gridsUrl) {
    fetch(config.gridsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (collection) {
        if (!collection || !collection.features || !collection.features.length) { return; }
        var grids = L.geoJSON(collection, {
          style: { color: "#a61b1b", weight: 1, fillColor: "#f0ad4e", fillOpacity: 0.12 }
        });
        if (!marker) { map.fitBounds(grids.getBounds(), { padding: [6, 6] }); }
        grids.addTo(map);
        shanzhiGridNames(map, grids, "sz-place-label", 15);
        if (marker) { marker.bringToFront(); }
      })
      .catch(function () { /* the map works without the grids */ });
  }

  var lon0 = parseFloat(lonInput.value), lat0 = parseFloat(latInput.value);
  if (isFinite(lon0) && isFinite(lat0)) {
    place(lat0, lon0, true);
  } else {
    say("empty");
  }

  // The grid worker's photo button: say how many photos are chosen.
  var photos = document.querySelector("input[type=file][capture]");
  var count = document.getElementById("sz-photo-count");
  if (photos && count) {
    photos.addEventListener("change", function () {
      count.textContent = count.dataset.chosen.replace("{n}", String(photos.files.length));
    });
  }
})();
