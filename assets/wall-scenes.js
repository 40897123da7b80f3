/* The video wall's scenes (window.dash_clientside.wall): rotation on a schedule, and the highlight of
 * a new severe event (a CAP Extreme/Severe alert, a P1 incident) that interrupts it. All in the
 * browser: a scene is one class on the page root (CSS shows its layers, legend and widgets) and a
 * flight of the map to what the scene is about; no data is reloaded and nothing asks the server.
 */
(function () {
    "use strict";

    var FRESH_MS = 10 * 60 * 1000;      // older severe events are history, not news
    var MAX_QUEUE = 3;
    var MAX_SEEN = 500;
    var SEVERE_WEATHER = "1201";        // incidents made from a severe alert: the alert itself is highlighted
    var MIN_SPAN = 0.02;                // degrees: a framing never zooms in closer than a few streets
    var state = null;                   // one wall per tab: {cfg, index, startedAt, spot, queue, seen, shown, fly}

    function nu() { return window.dash_clientside.no_update; }
    function stamp() { return Date.now(); }
    function label(cfg, key, fallback) {
        var labels = (cfg && cfg.labels) || {};
        return labels[key] !== undefined ? labels[key] : (fallback !== undefined ? fallback : key);
    }
    function el(type, props) { return {type: type, namespace: "dash_html_components", props: props}; }

    function init(cfg) {
        var key = [cfg.build, cfg.lang, cfg.scenes.join(","), cfg.dwell, cfg.spotlight].join("|");
        if (!state || state.key !== key) {
            state = {key: key, cfg: cfg, index: 0, startedAt: Date.now(), spot: null, queue: [], seen: new Map(),
                     coolUntil: 0, shown: {}, fly: "scene"};
        }
        state.cfg = cfg;
        return state;
    }
    function scene(st) { return st.cfg.scenes[st.index % st.cfg.scenes.length]; }

    // -- framing: what each scene is about, as map bounds -----------------------------------------------
    function eachCoord(geometry, fn) {
        if (!geometry) { return; }
        (function walk(c) {
            if (typeof c[0] === "number") { fn(c[0], c[1]); } else { c.forEach(walk); }
        })(geometry.coordinates || []);
    }
    function boundsOf(features) {
        var s = Infinity, w = Infinity, n = -Infinity, e = -Infinity;
        (features || []).forEach(function (f) {
            eachCoord(f.geometry, function (x, y) { s = Math.min(s, y); n = Math.max(n, y); w = Math.min(w, x); e = Math.max(e, x); });
        });
        return s === Infinity ? null : [[s, w], [n, e]];
    }
    function sane(b, city) {
        if (!b) { return city; }
        var s = Math.max(b[0][0], city[0][0]), w = Math.max(b[0][1], city[0][1]);
        var n = Math.min(b[1][0], city[1][0]), e = Math.min(b[1][1], city[1][1]);
        if (n < s || e < w) { return city; }
        var padLat = Math.max(0, MIN_SPAN - (n - s)) / 2, padLon = Math.max(0, MIN_SPAN - (e - w)) / 2;
        return [[s - padLat, w - padLon], [n + padLat, e + padLon]];
    }
    function sceneBounds(name, data, city) {
        var features = function (c) { return (c && c.features) || []; };
        if (name === "traffic") { return sane(boundsOf(features(data.segments)), city); }
        if (name === "environment") { return sane(boundsOf(features(data.stations)), city); }
        if (name === "emergency" && features(data.alerts).length) { return sane(boundsOf(features(data.alerts)), city); }
        return city;
    }
    function mercatorY(lat) { var s = Math.sin(lat * Math.PI / 180); return 0.5 * Math.log((1 + s) / (1 - s)); }
    // How wide `bounds` are drawn when fitted into w × h (Web Mercator), in pixels.
    function fittedWidth(bounds, w, h) {
        var x = (bounds[1][1] - bounds[0][1]) * Math.PI / 180, y = mercatorY(bounds[1][0]) - mercatorY(bounds[0][0]);
        return x > 0 && y > 0 ? x * Math.min(w / x, h / y) : w;
    }
    // The framing fills the map but for a thin margin; it moves right of the legend (and of the card of a
    // severe event), both at the left edge, only when it would otherwise run under them.
    var legendWidth = 0;   // as last seen: the flight back from a highlight is planned while the legend is still hidden
    function padding(spot, bounds) {
        var map = document.getElementById("wall-map");
        var w = map ? map.clientWidth : 1600, h = map ? map.clientHeight : 900;
        var edge = Math.round(Math.min(w, h) * 0.02);
        var legend = document.getElementById("wall-legend");
        var card = document.getElementById("wall-spot-card");
        legendWidth = (legend && legend.offsetWidth) || legendWidth;
        // the card is shown with the same tick that plans the flight: its width as wall.css gives it
        var cardWidth = spot ? (card && card.offsetWidth) || Math.min(0.42 * w, 34 * window.cityops.wallmap.unit()) : 0;
        var left = Math.max(spot ? 0 : legendWidth, cardWidth) + 2 * edge;
        if ((w - fittedWidth(bounds, w - 2 * edge, h - 2 * edge)) / 2 >= left) { return {padding: [edge, edge]}; }
        return {paddingTopLeft: [Math.round(left), edge], paddingBottomRight: [edge, edge]};
    }
    function flight(st, data) {
        var item = st.spot && st.spot.item;
        if (item && item.point) {
            return {center: item.point, zoom: 14, transition: "flyTo", options: {duration: 2}};
        }
        var bounds = item ? sane(item.bounds, st.cfg.bounds) : sceneBounds(scene(st), data, st.cfg.bounds);
        return {bounds: bounds, transition: "flyToBounds", options: Object.assign({duration: 2}, padding(!!item, bounds))};
    }

    // -- severe events -----------------------------------------------------------------------------
    function fresh(iso) {
        var at = iso ? new Date(iso).getTime() : NaN;
        return !isNaN(at) && Date.now() - at < FRESH_MS;
    }
    function severeItem(m) {
        var d = m.data || {}, p = d.properties || {};
        if (m.topic === "alert.upsert" && p.status === "active" && (p.severity === "Extreme" || p.severity === "Severe")) {
            var b = boundsOf([d]);
            return b && fresh(p.sent) ? {kind: "alert", key: "a:" + p.identifier, extreme: p.severity === "Extreme",
                                         feature: d, bounds: b, at: p.sent, props: p} : null;
        }
        if (m.topic === "incident.upsert" && p.priority === 1 && d.geometry && p.category !== SEVERE_WEATHER &&
                ["closed", "rejected", "merged"].indexOf(p.status) < 0 && fresh(p.created_at)) {
            var c = d.geometry.coordinates;
            return {kind: "incident", key: "i:" + p.id, extreme: false, feature: d, point: [c[1], c[0]],
                    at: p.created_at, props: p};
        }
        return null;
    }
    function remember(st, key) {
        st.seen.set(key, true);
        if (st.seen.size > MAX_SEEN) { st.seen.delete(st.seen.keys().next().value); }
    }
    function offer(st, item, now) {
        if (st.seen.has(item.key)) { return; }
        remember(st, item.key);
        if (item.extreme || (!st.spot && now >= st.coolUntil)) { return start(st, item, now); }
        st.queue.unshift(item);              // newest first; a bounded queue
        st.queue.length = Math.min(st.queue.length, MAX_QUEUE);
    }
    function start(st, item, now) {
        st.spot = {item: item, until: now + st.cfg.spotlight * 1000};
        st.fly = "spot";
    }
    function advance(st, now) {
        if (st.spot && now >= st.spot.until) {
            st.spot = null;                   // back to the interrupted scene, its dwell afresh
            st.startedAt = now;
            // the rotation goes on for a while before the next highlight (a Extreme alert excepted):
            // a busy day's stream of P1 incidents must not keep the wall on one scene
            st.coolUntil = now + Math.max(2 * st.cfg.dwell, st.cfg.spotlight) * 1000;
            st.fly = "scene";
        }
        while (!st.spot && st.queue.length && now >= st.coolUntil) {
            var next = st.queue.shift();
            if (fresh(next.at)) { start(st, next, now); }
        }
        if (!st.spot && now - st.startedAt >= st.cfg.dwell * 1000 && st.cfg.scenes.length > 1) {
            st.index = (st.index + 1) % st.cfg.scenes.length;
            st.startedAt = now;
            st.fly = "scene";
        }
    }

    // -- what the page shows ---------------------------------------------------------------------------
    function spotCard(st) {
        var item = st.spot.item, p = item.props, cfg = st.cfg, en = cfg.lang === "en";
        var title = item.kind === "alert" ? (en ? p.headline_en || p.headline_zh : p.headline_zh || p.headline_en) || p.event
                                          : window.dash_clientside.wall.incidentTitle(p, cfg);
        var sub = item.kind === "alert" ? label(cfg, "severity." + p.severity, p.severity) + (p.area_desc ? " · " + p.area_desc : "")
                                        : label(cfg, "priority.1") + " · " + (en ? p.category_name_en : p.category_name_zh) +
                                          " · " + label(cfg, "status." + p.status, p.status);
        return [el("Div", {className: "spot-kind", children: label(cfg, "wall.spot." + item.kind)}),
                el("Div", {className: "spot-title", children: title || ""}),
                el("Div", {className: "spot-sub", children: sub})];
    }
    function view(st, data) {
        var out = [nu(), nu(), nu(), nu(), nu(), nu()];
        var cls = "wall-page scene-" + scene(st) + (st.cfg.grid_class || "") + (st.spot ? " is-spot spot-" + st.spot.item.kind : "");
        var name = st.spot ? label(st.cfg, "wall.spot." + st.spot.item.kind) : label(st.cfg, "wall.scene." + scene(st));
        var spotKey = st.spot ? st.spot.item.key : "";
        if (cls !== st.shown.cls) { out[0] = st.shown.cls = cls; }
        if (name !== st.shown.name) { out[1] = st.shown.name = name; }
        if (spotKey !== st.shown.spot) {
            st.shown.spot = spotKey;
            out[2] = {type: "FeatureCollection", features: st.spot ? [st.spot.item.feature] : []};
            out[3] = st.spot ? spotCard(st) : [];
        }
        if (st.fly && (data || st.fly === "spot")) {   // scene framings need the layers: the tick does those
            out[5] = stamp();                           // the map measures its box again before flying
            out[4] = flight(st, data || {});
            st.fly = null;
        }
        return out;
    }

    var formats = {};
    function parts(cfg, now) {
        var key = cfg.lang + cfg.tz;
        if (!formats[key]) {
            formats[key] = new Intl.DateTimeFormat(cfg.lang === "en" ? "en-GB" : "zh-CN", {
                timeZone: cfg.tz, year: "numeric", weekday: "long", month: cfg.lang === "en" ? "long" : "numeric",
                day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"});
        }
        var p = {};
        formats[key].formatToParts(now).forEach(function (part) { p[part.type] = part.value; });
        return p;
    }

    function onTick(_n, cfg, segments, stations, alerts, incidents) {
        if (!cfg) { return [nu(), nu(), nu(), nu(), nu(), nu(), nu(), nu()]; }
        var st = init(cfg), now = Date.now();
        if (!st.clustered && window.cityops.wallmap) {   // clusters as far apart on every screen size
            st.clustered = true;
            window.dash_clientside.set_props("wall-incidents", {superClusterOptions: window.cityops.wallmap.clusterOptions()});
        }
        advance(st, now);
        var p = parts(cfg, new Date(now));
        var date = cfg.lang === "en" ? p.weekday + " " + p.day + " " + p.month + " " + p.year
                                     : p.year + "年" + p.month + "月" + p.day + "日 " + p.weekday;
        var data = {segments: segments, stations: stations, alerts: alerts, incidents: incidents};
        return view(st, data).concat([p.hour + ":" + p.minute + ":" + p.second, date]);
    }

    // One relay batch (its JSON text), as wall-stream.js applies it: new severe events are offered to
    // the highlight, which the next tick (within a second) shows.
    function noteBatch(data) {
        var batch;
        try { batch = JSON.parse(data); } catch (e) { return; }
        var cfg = state && state.cfg;
        (batch.messages || []).forEach(function (m) {
            if (m.topic === "feeds.health") { window.cityops.wallFeedsPushedAt = Date.now(); }
            var item = cfg ? severeItem(m) : null;
            if (item) { offer(state, item, Date.now()); }
        });
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.wall = Object.assign(window.dash_clientside.wall || {}, {
        onTick: onTick, noteBatch: noteBatch, _state: function () { return state; }
    });
    window.cityops = window.cityops || {};
})();
