/* Leaflet maps follow their box (window.cityops.mapOf, .refitMaps).
 *
 * Leaflet measures its box once and again only on a window resize. A map made while its box is
 * hidden or 0 × 0 (the phone's case detail, which covers the list only once a case is opened) then
 * keeps drawing tiles and shapes for a 0 × 0 map: it stays empty. Here every map is watched with a
 * ResizeObserver and told its new size (invalidateSize, which keeps its centre) as soon as the box
 * changes, before the browser paints.
 *
 * A map whose container has the class `fit-city` also keeps the city fitted — on a resize, a tablet
 * turned (orientationchange), a box shown — as long as nobody has moved it: the first drag, zoom or
 * programmatic move that is not this file's own (a cluster clicked open, …) makes the view the
 * user's, and it is never reset. The city is the bounds the map was created with (its first fitBounds).
 */
(function () {
    "use strict";

    var FIT_CLASS = "fit-city";
    var maps = [];           // every Leaflet map of the page, newest last (dropped once removed)
    var observer = null;

    function alive(map) { return !!(map._container && map._container.isConnected && map._loaded); }

    function mapOf(element) {
        for (var i = maps.length - 1; i >= 0; i--) {
            if (maps[i]._container === element || (element && maps[i]._container && maps[i]._container.contains(element))) {
                return maps[i];
            }
        }
        return null;
    }

    // The box changed: tell the map, then put the city back in view unless the user chose a view.
    function follow(map) {
        if (!alive(map)) { return; }
        var box = map._container, width = box.clientWidth, height = box.clientHeight;
        if (!width || !height) { return; }   // hidden: keep the last real size (nothing is drawn meanwhile)
        // compared with the size last handled here, not Leaflet's: its own window-resize handler may
        // have measured the box already, and the city still has to be fitted again
        var seen = map._cityopsSize;
        if (seen && seen[0] === width && seen[1] === height) { return; }
        map._cityopsSize = [width, height];
        map._cityopsOwnMove = true;
        try {
            map.invalidateSize({pan: true});
            var home = map._cityopsHome;
            if (home && !map._cityopsUserView) {
                map.fitBounds(home.bounds, Object.assign({}, home.options, {animate: false}));
            }
        } finally {
            map._cityopsOwnMove = false;
        }
    }

    function followAll() { maps.forEach(follow); }

    function watch(map) {
        maps = maps.filter(function (m) { return m._container && m._container.isConnected; });
        maps.push(map);
        var box = map._container;
        if (box.classList.contains(FIT_CLASS)) {
            // the city: the bounds the map is created with (react-leaflet's first fitBounds)
            map.fitBounds = function (bounds, options) {
                delete map.fitBounds;
                map._cityopsHome = {bounds: L.latLngBounds(bounds), options: options || {}};
                return L.Map.prototype.fitBounds.apply(map, arguments);
            };
            map.whenReady(function () {
                // from here on, any move that is not ours is the user's (or what they clicked)
                map.on("movestart zoomstart dragstart", function () {
                    if (!map._cityopsOwnMove) { map._cityopsUserView = true; }
                });
            });
        }
        map.whenReady(function () {
            // the size it was made at; a box hidden then (0 × 0) is measured again once it has a size
            if (box.clientWidth && box.clientHeight) { map._cityopsSize = [box.clientWidth, box.clientHeight]; }
            if (observer) { observer.observe(box); }
        });
    }

    function start() {
        if (!window.L || !L.Map) { return false; }
        if (window.ResizeObserver) {
            observer = new ResizeObserver(function (entries) {
                entries.forEach(function (entry) {
                    var map = mapOf(entry.target);
                    if (map) { follow(map); }
                });
            });
        }
        L.Map.addInitHook(function () { watch(this); });
        // a turned tablet: some browsers settle the new size a frame late
        window.addEventListener("orientationchange", function () {
            window.requestAnimationFrame(followAll);
            setTimeout(followAll, 300);
        });
        return true;
    }

    // dash-leaflet (which brings Leaflet) loads before the app's assets; the maps are made later,
    // once the layout has arrived
    if (!start()) { document.addEventListener("DOMContentLoaded", start, {once: true}); }

    window.cityops = window.cityops || {};
    window.cityops.mapOf = mapOf;
    window.cityops.refitMaps = followAll;
})();
