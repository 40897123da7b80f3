/* The video wall's map functions (window.cityops.wallmap), used by layouts/wall_map.py through
 * Namespace("cityops", "wallmap"). They wrap the Operations map's functions (cityops-map.js) and
 * size their marks for a screen seen from 5 m: scaled by the wall's unit, put in the layer's own
 * pane (so a scene shows or hides it with CSS), and without tooltips (nobody hovers on a wall).
 */
(function () {
    "use strict";

    var sizing = {key: "", scale: 2, unit: 19.2};
    var CLUSTER_GAP = 4.4;   // in units (--u): clusters are about this far apart, so their icons do not overlap

    // --u of wall.css in pixels: 19.2 at a 1920×1080 screen, 38.4 at 3840×2160; per screen of a grid
    function unit() {
        var key = window.innerWidth + "x" + window.innerHeight;
        if (sizing.key !== key) {
            var page = document.getElementById("wall-page");
            var style = page ? getComputedStyle(page) : null;
            var cols = style ? parseFloat(style.getPropertyValue("--cols")) || 1 : 1;
            var rows = style ? parseFloat(style.getPropertyValue("--rows")) || 1 : 1;
            var u = Math.min(window.innerWidth / cols / 100, window.innerHeight / rows / 56.25);
            sizing = {key: key, scale: Math.max(1, u / 12), unit: u};
        }
        return sizing.unit;
    }
    // 1.6 at a 1920×1080 screen, 3.2 at 3840×2160
    function scale() { unit(); return sizing.scale; }
    // Supercluster groups at the whole zoom below the map's (and in 512ths of a 256 px tile): the radius
    // that puts clusters CLUSTER_GAP units apart on screen at this zoom
    function clusterOptions(zoom) {
        var frac = zoom === undefined || zoom === null ? 0.5 : zoom - Math.floor(zoom);
        return {radius: Math.round(CLUSTER_GAP * unit() * 2 / Math.pow(2, frac)), maxZoom: 15};
    }
    function base() { return window.cityops.map; }
    function inPane(layer, ctx) {
        if (ctx && ctx.pane) { layer.options.pane = ctx.pane; }
        return layer;
    }
    function widen(style, factor) {
        return Object.assign({}, style, {weight: (style.weight || 1) * factor});
    }
    function resizeIcon(marker, size) {
        var icon = marker.options.icon;
        if (icon && icon.options) {
            icon.options.iconSize = [size, size];
            icon.options.iconAnchor = [size / 2, size / 2];
        }
        return marker;
    }
    function none() { /* no tooltips on the wall */ }

    function districtStyle(feature, ctx) { return widen(base().districtStyle(feature, ctx), Math.sqrt(scale())); }
    function alertStyle(feature, ctx) { return widen(base().alertStyle(feature, ctx), scale()); }
    function segmentStyle(feature, ctx) { return widen(base().segmentStyle(feature, ctx), scale() * 0.8); }

    function stationPoint(feature, latlng, ctx) {
        var marker = base().stationPoint(feature, latlng, ctx);
        marker.options.riseOnHover = false;
        var icon = marker.options.icon;   // a leader back to the station, shown when the badge is moved aside
        icon.options.html = "<i class=\"aqi-leader\"></i>" + icon.options.html;
        schedulePlacement();
        return inPane(resizeIcon(marker, Math.round(2.5 * unit())), ctx);
    }
    function incidentPoint(feature, latlng, ctx) {
        var marker = base().incidentPoint(feature, latlng, ctx);
        marker.options.radius *= scale();
        marker.options.weight *= scale();
        marker.options.interactive = false;
        schedulePlacement();
        return inPane(marker, ctx);
    }
    function incidentCluster(feature, latlng, index, ctx) {
        var marker = base().incidentCluster(feature, latlng, index, ctx);
        var count = feature.properties.point_count;
        // the size grows slowly with the count (2 → 2.3 u, 16 → 3.5 u, 128 → 4.7 u: 44, 67, 90 px at 1080 p),
        // its figure at least 1.3 u (25 px) — read from 5 m, and clusters CLUSTER_GAP apart stay apart
        var size = (2.3 + 0.4 * Math.log(Math.max(2, count) / 2) / Math.LN2) * unit();
        schedulePlacement();
        return inPane(resizeIcon(marker, Math.round(size)), ctx);
    }

    // -- district names and AQI badges placed clear of the clusters and the incidents -------------------
    // A district's name stays in its middle if that is free, else moves a little (up or down first) to
    // the nearest free spot; where there is none it stays put, drawn over the markers on a plate (wall.css).
    // Then each AQI badge (worst air first) stays on its station if free of clusters, incidents, names
    // and other badges, else moves to the nearest free spot around it (a leader line back to the
    // station); with none nearby it is left out until the map has room again (the environment scene,
    // without the incidents, shows them all).
    var RINGS = [0.75, 1.1, 1.5, 2, 2.6];   // distances tried for a badge, in badge sizes
    var LABEL_SPOTS = [[0, -1], [0, 1], [-0.35, 0], [0.35, 0], [-0.3, -1], [0.3, -1], [-0.3, 1], [0.3, 1],
                       [0, -2], [0, 2], [-0.6, 0], [0.6, 0]];   // in label widths (x) and heights (y)
    var placing = {frame: null, attached: null, radius: null};

    // once per frame, before it is painted: after the redraw that asked for it is in the page
    function schedulePlacement() {
        if (placing.frame === null) {
            placing.frame = window.requestAnimationFrame(function () { placing.frame = null; placeMarks(); });
        }
    }
    function shown(el) {
        var r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden" ? r : null;
    }
    function rectsOf(root, selector) {
        var out = [];
        root.querySelectorAll(selector).forEach(function (el) { var r = shown(el); if (r) { out.push(r); } });
        return out;
    }
    function hits(a, rects, gap) {
        for (var i = 0; i < rects.length; i++) {
            var b = rects[i];
            if (a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap) {
                return true;
            }
        }
        return false;
    }
    // where a mark would be without our shift (Leaflet positions it with `transform`; we shift with `translate`)
    function home(el) {
        var r = el.getBoundingClientRect(), dx = parseFloat(el.dataset.dx) || 0, dy = parseFloat(el.dataset.dy) || 0;
        return {left: r.left - dx, top: r.top - dy, width: r.width, height: r.height};
    }
    function shift(el, dx, dy) {
        el.dataset.dx = dx;
        el.dataset.dy = dy;
        el.style.translate = dx || dy ? dx + "px " + dy + "px" : "";
    }
    // the first spot of `spots` (offsets in px) where a w × h box from `at` is inside `area` and free
    function firstFree(at, w, h, spots, area, taken, gap) {
        for (var i = 0; i < spots.length; i++) {
            var r = {left: at.left + spots[i][0], top: at.top + spots[i][1]};
            r.right = r.left + w;
            r.bottom = r.top + h;
            var inside = r.left >= area.left && r.top >= area.top && r.right <= area.right && r.bottom <= area.bottom;
            if (inside && !taken.some(function (rects) { return hits(r, rects, gap); })) { return {spot: spots[i], rect: r}; }
        }
        return null;
    }
    function aqiOf(el) { var n = parseFloat(el.textContent); return isNaN(n) ? -1 : n; }
    function attach(mapEl) {
        var map = window.cityops.mapOf ? window.cityops.mapOf(mapEl) : null;
        if (!map || placing.attached === map) { return; }
        placing.attached = map;
        map.on("zoomend moveend resize", schedulePlacement);
        map.on("zoomend", function () {   // a scene's framing changes the zoom: keep clusters as far apart
            var options = clusterOptions(map.getZoom());
            if (options.radius !== placing.radius) {
                placing.radius = options.radius;
                window.dash_clientside.set_props("wall-incidents", {superClusterOptions: options});
            }
        });
        var page = document.getElementById("wall-page");
        if (page) {   // a scene shows or hides the layers the marks keep clear of
            new MutationObserver(schedulePlacement).observe(page, {attributes: true, attributeFilter: ["class"]});
        }
    }
    function placeMarks() {
        var mapEl = document.getElementById("wall-map");
        if (!mapEl) { return; }
        attach(mapEl);
        var area = mapEl.getBoundingClientRect(), gap = Math.max(1, unit() * 0.1);
        var markers = rectsOf(mapEl, ".inc-cluster, .leaflet-wall-incidents-pane path, .wall-spot-marker")
            .concat(rectsOf(mapEl.parentNode, ".map-legend, .wall-spot-card"));
        var names = [];
        mapEl.querySelectorAll(".district-label").forEach(function (el) {
            var at = home(el);
            if (!at.width) { return; }
            var spots = [[0, 0]].concat(LABEL_SPOTS.map(function (s) {
                return [Math.round(s[0] * at.width), Math.round(s[1] * at.height)];
            }));
            var free = firstFree(at, at.width, at.height, spots, area, [markers, names], gap);
            shift(el, free ? free.spot[0] : 0, free ? free.spot[1] : 0);
            el.classList.toggle("is-over", !free);   // over the markers: on a plate of its own (wall.css)
            names.push(free ? free.rect : {left: at.left, top: at.top, right: at.left + at.width, bottom: at.top + at.height});
        });
        var badges = [];
        mapEl.querySelectorAll(".aqi-marker").forEach(function (el) {
            el.classList.remove("is-crowded");
            var at = home(el);
            if (at.width) { badges.push({el: el, at: at, aqi: aqiOf(el)}); }   // else the scene hides the stations
        });
        badges.sort(function (a, b) { return b.aqi - a.aqi; });
        var placed = [];
        badges.forEach(function (b) {
            var size = b.at.width, spots = [[0, 0]];
            RINGS.forEach(function (k, ring) {
                var steps = ring < 2 ? 8 : 12;
                for (var i = 0; i < steps; i++) {
                    var angle = 2 * Math.PI * i / steps - Math.PI / 2;   // from straight up, clockwise
                    spots.push([Math.round(Math.cos(angle) * k * size), Math.round(Math.sin(angle) * k * size)]);
                }
            });
            var free = firstFree(b.at, size, size, spots, area, [markers, names, placed], gap);
            var dx = free ? free.spot[0] : 0, dy = free ? free.spot[1] : 0;
            shift(b.el, dx, dy);
            b.el.classList.toggle("is-moved", !!(dx || dy));
            b.el.classList.toggle("is-crowded", !free);
            if (free) { placed.push(free.rect); }
            if (dx || dy) {
                b.el.style.setProperty("--leader-len", Math.round(Math.sqrt(dx * dx + dy * dy)) + "px");
                b.el.style.setProperty("--leader-angle", Math.atan2(-dy, -dx) + "rad");
            }
        });
    }

    // -- the highlighted severe event ----------------------------------------------------------------
    function spotStyle() {
        return {color: "#ffe14d", weight: 4 * scale(), opacity: 1, fillColor: "#ffe14d", fillOpacity: 0.12,
                dashArray: null, className: "wall-spot-area"};
    }
    function spotPoint(feature, latlng, ctx) {
        var size = Math.round(110 * scale());
        var icon = L.divIcon({className: "wall-spot-marker", iconSize: [size, size], iconAnchor: [size / 2, size / 2],
                              html: "<span class=\"ring\"></span><span class=\"ring ring-2\"></span><span class=\"core\"></span>"});
        return inPane(L.marker(latlng, {icon: icon, interactive: false, keyboard: false}), ctx);
    }

    window.cityops = window.cityops || {};
    window.cityops.wallmap = {
        districtStyle: districtStyle, districtEach: function (f, l, c) { return base().districtEach(f, l, c); },
        alertStyle: alertStyle, alertEach: none,
        segmentStyle: segmentStyle, segmentHover: function () { return {}; }, segmentEach: none,
        stationPoint: stationPoint, stationEach: none,
        incidentPoint: incidentPoint, incidentCluster: incidentCluster, incidentEach: none,
        spotStyle: spotStyle, spotPoint: spotPoint, scale: scale, unit: unit, clusterOptions: clusterOptions,
        placeMarks: placeMarks, settled: function () { return placing.frame === null; }   // nothing waits to be placed
    };
})();
