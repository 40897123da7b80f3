/* CityOps map functions (window.cityops.map), used by dash-leaflet GeoJSON layers through
 * dash_extensions.javascript.Namespace("cityops", "map"). dash-leaflet passes its props as the last
 * argument (`ctx`); ctx.hideout carries {lang, labels, palette} from layouts/operations_map.py.
 * Base-map colours come from the theme's CSS variables, so the wall theme can restyle them.
 */
(function () {
    "use strict";

    var ESC = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"};
    function esc(value) {
        return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) { return ESC[c]; });
    }
    function hide(ctx) { return (ctx && ctx.hideout) || {labels: {}, palette: {}, lang: "zh-CN"}; }
    function lbl(h, key, fallback) {
        var v = h.labels && h.labels[key];
        return v !== undefined ? v : (fallback !== undefined ? fallback : key);
    }
    function named(p, h) {
        return h.lang === "en" ? (p.name_en || p.name_zh || p.id || "") : (p.name_zh || p.name_en || p.id || "");
    }
    function cssVar(name, fallback) {
        var v = getComputedStyle(document.documentElement).getPropertyValue(name);
        return v && v.trim() ? v.trim() : fallback;
    }
    function tip(layer, html, options) {
        layer.bindTooltip(html, Object.assign({className: "map-tip", sticky: true, direction: "top", opacity: 1}, options || {}));
    }
    function hash(text) {
        var h = 0;
        for (var i = 0; i < text.length; i++) { h = (h * 31 + text.charCodeAt(i)) | 0; }
        return Math.abs(h);
    }

    // -- districts: the offline base map ---------------------------------------------------------
    function districtStyle(feature, ctx) {
        var fills = [cssVar("--map-district-a", "#131f2f"), cssVar("--map-district-b", "#15233a"),
                     cssVar("--map-district-c", "#172841")];
        var tiles = !!hide(ctx).tiles;   // a tile base map underneath: outlines over it, a light veil
        return {color: cssVar("--map-district-line", "#2f4a6d"), weight: tiles ? 2 : 1.4, opacity: 1,
                fillColor: fills[hash(String(feature.properties.code || "")) % fills.length],
                fillOpacity: tiles ? 0.12 : 1, className: "district-shape"};
    }
    function districtEach(feature, layer, ctx) {
        layer.bindTooltip(esc(named(feature.properties, hide(ctx))),
                          {permanent: true, direction: "center", className: "district-label", interactive: false});
    }

    // -- road segments by congestion -------------------------------------------------------------
    function segmentStyle(feature, ctx) {
        var p = feature.properties, pal = hide(ctx).palette.congestion || {};
        var level = p.level || "unknown";
        var heavy = level === "heavy" || level === "severe";
        return {color: pal[level] || "#5d6b7e", weight: heavy ? 5 : 3.5, opacity: level === "unknown" ? 0.6 : 0.95,
                lineCap: "round", lineJoin: "round", dashArray: level === "unknown" ? "4 6" : null};
    }
    function segmentHover() { return {weight: 8, opacity: 1}; }
    function segmentEach(feature, layer, ctx) {
        var h = hide(ctx);
        tip(layer, function () {
            var p = layer.feature.properties;
            var speed = p.speed_kmh === null || p.speed_kmh === undefined ? "–" : Math.round(p.speed_kmh);
            return "<b>" + esc(named(p, h)) + "</b><br>" + esc(lbl(h, "word.speed")) + " " + speed + " " +
                esc(lbl(h, "unit.kmh")) + " · " + esc(lbl(h, "congestion." + (p.level || "unknown"))) +
                (p.ci === null || p.ci === undefined ? "" : " (" + esc(lbl(h, "word.index")) + " " + Number(p.ci).toFixed(1) + ")");
        });
    }

    // -- air stations by AQI level -----------------------------------------------------------------
    function stationPoint(feature, latlng, ctx) {
        var p = feature.properties, pal = hide(ctx).palette;
        var level = p.level || "unknown";
        var text = p.aqi === null || p.aqi === undefined ? "–" : p.aqi;
        var html = "<span style=\"background:" + (pal.aqi[level] || "#5d6b7e") + ";color:" +
            (pal.aqi_text[level] || "#fff") + "\">" + esc(text) + "</span>";
        return L.marker(latlng, {icon: L.divIcon({className: "aqi-marker", html: html, iconSize: [30, 30], iconAnchor: [15, 15]}),
                                 keyboard: false, riseOnHover: true});
    }
    function stationEach(feature, layer, ctx) {
        var h = hide(ctx), p = feature.properties;
        var primary = (p.primary || []).map(function (x) { return lbl(h, "pollutant." + x, x); }).join(h.lang === "en" ? ", " : "、");
        tip(layer, "<b>" + esc(named(p, h)) + "</b><br>AQI " + esc(p.aqi === null || p.aqi === undefined ? "–" : p.aqi) +
            " · " + esc(lbl(h, "aqi." + (p.level || "unknown"))) +
            (primary ? "<br>" + esc(lbl(h, "ops.fig.primary")) + ": " + esc(primary) : ""), {offset: [0, -12]});
    }

    // -- open incidents by priority, clustered ----------------------------------------------------
    function priorityColour(h, priority) { return (h.palette.priority || {})[String(priority)] || "#98a6b5"; }
    function incidentPoint(feature, latlng, ctx) {
        var p = feature.properties, h = hide(ctx);
        return L.circleMarker(latlng, {
            radius: p.priority === 1 ? 8 : 6.5, fillColor: priorityColour(h, p.priority), fillOpacity: 0.95,
            color: p.overdue ? cssVar("--map-overdue-ring", "#ffffff") : cssVar("--map-marker-edge", "#0b121c"),
            weight: p.overdue ? 2.5 : 1.5
        });
    }
    function incidentCluster(feature, latlng, index, ctx) {
        var h = hide(ctx), count = feature.properties.point_count;
        var top = 4;
        try {
            index.getLeaves(feature.properties.cluster_id, Infinity).forEach(function (leaf) {
                top = Math.min(top, leaf.properties.priority || 4);
            });
        } catch (e) { /* a stale index while data changes: plain colour */ }
        var size = count < 10 ? 32 : count < 100 ? 40 : 48;
        var html = "<span style=\"border-color:" + priorityColour(h, top) + "\">" +
            esc(feature.properties.point_count_abbreviated) + "</span>";
        return L.marker(latlng, {icon: L.divIcon({className: "inc-cluster", html: html, iconSize: [size, size]}),
                                 keyboard: false, zIndexOffset: 1000});   // above the air stations
    }
    function incidentEach(feature, layer, ctx) {
        var p = feature.properties;
        if (p.cluster) { return; }
        var h = hide(ctx);
        var category = h.lang === "en" ? p.category_name_en : p.category_name_zh;
        tip(layer, "<b>" + esc(p.code || "") + "</b> " + esc(p.title) + "<br>" + esc(category) + " · " +
            esc(lbl(h, "status." + p.status, p.status)) + " · " + esc(lbl(h, "priority." + p.priority, "P" + p.priority)) +
            (p.overdue ? " · <span class=\"tip-alarm\">" + esc(lbl(h, "incident.overdue")) + "</span>" : ""));
    }

    function localTime(iso, h) {
        var when = new Date(iso);
        if (isNaN(when.getTime())) { return String(iso); }
        try {
            return new Intl.DateTimeFormat(h.lang === "en" ? "en-GB" : "zh-CN", {timeZone: h.tz, month: "2-digit",
                day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false}).format(when);
        } catch (e) { return when.toLocaleString(); }
    }

    // -- emergency alerts ----------------------------------------------------------------------
    function alertStyle(feature, ctx) {
        var p = feature.properties, pal = hide(ctx).palette.alert || {};
        var severe = p.severity === "Extreme" || p.severity === "Severe";
        var colour = pal[p.severity] || pal.Unknown || "#ff9f1a";
        return {color: colour, weight: 2, opacity: 0.95, dashArray: severe ? null : "6 4",
                fillColor: colour, fillOpacity: severe ? 0.16 : 0.09};   // alerts may cover the whole city
    }
    function alertEach(feature, layer, ctx) {
        var h = hide(ctx), p = feature.properties;
        var headline = h.lang === "en" ? (p.headline_en || p.headline_zh || p.event) : (p.headline_zh || p.headline_en || p.event);
        tip(layer, "<b>" + esc(headline) + "</b><br>" + esc(lbl(h, "severity." + p.severity, p.severity)) +
            (p.expires ? " · " + esc(lbl(h, "word.expires")) + " " + esc(localTime(p.expires, h)) : ""));
    }

    window.cityops = window.cityops || {};
    window.cityops.map = {
        districtStyle: districtStyle, districtEach: districtEach,
        segmentStyle: segmentStyle, segmentHover: segmentHover, segmentEach: segmentEach,
        stationPoint: stationPoint, stationEach: stationEach,
        incidentPoint: incidentPoint, incidentCluster: incidentCluster, incidentEach: incidentEach,
        alertStyle: alertStyle, alertEach: alertEach
    };
})();
