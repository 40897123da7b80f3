/* The video wall's map functions (window.cityops.wallmap), used by layouts/wall_map.py through
 * Namespace("cityops", "wallmap"). They wrap the Operations map's functions (cityops-map.js) and
 * size their marks for a screen seen from 5 m: scaled by the wall's unit, put in the layer's own
 * pane (so a scene shows or hides it with CSS), and without tooltips (nobody hovers on a wall).
 */
(function () {
    "use strict";

    var sizing = {key: "", scale: 2};

    // 1.6 at a 1920×1080 screen, 3.2 at 3840×2160; per screen of a grid (--cols × --rows)
    function scale() {
        var key = window.innerWidth + "x" + window.innerHeight;
        if (sizing.key !== key) {
            var page = document.getElementById("wall-page");
            var style = page ? getComputedStyle(page) : null;
            var cols = style ? parseFloat(style.getPropertyValue("--cols")) || 1 : 1;
            var rows = style ? parseFloat(style.getPropertyValue("--rows")) || 1 : 1;
            var unit = Math.min(window.innerWidth / cols / 100, window.innerHeight / rows / 56.25);
            sizing = {key: key, scale: Math.max(1, unit / 12)};
        }
        return sizing.scale;
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
        return inPane(resizeIcon(marker, Math.round(30 * scale())), ctx);
    }
    function incidentPoint(feature, latlng, ctx) {
        var marker = base().incidentPoint(feature, latlng, ctx);
        marker.options.radius *= scale();
        marker.options.weight *= scale();
        marker.options.interactive = false;
        return inPane(marker, ctx);
    }
    function incidentCluster(feature, latlng, index, ctx) {
        var marker = base().incidentCluster(feature, latlng, index, ctx);
        var count = feature.properties.point_count;
        // the size grows with the count (2 → 27 px, 10 → 43 px, 100 → 66 px at 1080 p): small clusters stay
        // small beside the AQI badges and leave the district names readable
        var size = (20 + 10 * Math.log(Math.max(2, count)) / Math.LN2 * 0.7) * scale();
        return inPane(resizeIcon(marker, Math.round(size)), ctx);
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
        spotStyle: spotStyle, spotPoint: spotPoint, scale: scale
    };
})();
