/* The video wall's layers follow their data (window.dash_clientside.wall.flushLayers): the relay's
 * deltas land in the wall's data stores several times a second; a layer is redrawn from them at most
 * once a second, and only while the current scene (or highlight) shows it. Redrawing a layer is by far
 * the costliest thing a wall does; this keeps a 4K wall at a busy hour responsive, and the map view
 * untouched. The table below is the same as the scene rules in wall.css.
 */
(function () {
    "use strict";

    var LAYERS = ["wall-segments", "wall-stations", "wall-incidents", "wall-alerts"];
    var SHOWN = {
        overview: {"wall-segments": 1, "wall-stations": 1, "wall-incidents": 1, "wall-alerts": 1},
        traffic: {"wall-segments": 1},
        environment: {"wall-stations": 1},
        emergency: {"wall-incidents": 1, "wall-alerts": 1},
        dispatch: {"wall-incidents": 1}
    };
    var SPOT = {"spot-alert": "wall-alerts", "spot-incident": "wall-incidents"};
    var MIN_GAP_MS = 1000;
    var layers = {};   // id → {latest, drawn, at, timer}

    function nu() { return window.dash_clientside.no_update; }

    function visible(className) {
        var shown = {}, names = String(className || "").split(" ");
        names.forEach(function (n) {
            if (n.indexOf("scene-") === 0) { Object.assign(shown, SHOWN[n.slice(6)] || {}); }
            if (SPOT[n]) { shown[SPOT[n]] = 1; }
        });
        return shown;
    }

    function flushLayers(segments, stations, incidents, alerts, className) {
        var data = [segments, stations, incidents, alerts], shown = visible(className), now = Date.now();
        return LAYERS.map(function (id, k) {
            var layer = layers[id] = layers[id] || {latest: null, drawn: null, at: 0, timer: null};
            layer.latest = data[k];
            if (!layer.latest || layer.latest === layer.drawn || !shown[id]) { return nu(); }
            var wait = layer.at + MIN_GAP_MS - now;
            if (wait <= 0) {
                clearTimeout(layer.timer);
                layer.timer = null;
                layer.drawn = layer.latest;
                layer.at = now;
                return layer.latest;
            }
            if (!layer.timer) {   // one pending draw per layer, with whatever is newest by then
                layer.timer = setTimeout(function () {
                    layer.timer = null;
                    var page = document.getElementById("wall-page");
                    if (!page || !visible(page.className)[id] || layer.latest === layer.drawn) { return; }
                    layer.drawn = layer.latest;
                    layer.at = Date.now();
                    window.dash_clientside.set_props(id, {data: layer.latest});
                }, wait);
            }
            return nu();
        });
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.wall = Object.assign(window.dash_clientside.wall || {}, {flushLayers: flushLayers});
})();
