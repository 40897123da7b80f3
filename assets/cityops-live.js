/* CityOps client-side callbacks (window.dash_clientside.cityops).
 *
 * The header keeps one live connection per tab to the push relay (connect, reconnect with backoff,
 * close when the page that wanted it is left). The Operations page applies each batch of deltas to
 * its layers' GeoJSON and its stores (cityops-render.js draws the stores). Nothing here polls and
 * nothing resets the map view.
 */
(function () {
    "use strict";

    var OPEN_STATUSES = ["reported", "verified", "dispatched", "accepted", "returned", "fixed"];
    var MAX_EVENTS = 20;
    var timers = {reconnect: null};

    function noUpdate() { return window.dash_clientside.no_update; }
    function many(n) { var out = []; for (var i = 0; i < n; i++) { out.push(noUpdate()); } return out; }
    function label(cfg, key, fallback) {
        var labels = (cfg && cfg.labels) || {};
        return labels[key] !== undefined ? labels[key] : (fallback !== undefined ? fallback : key);
    }

    // -- the live connection -------------------------------------------------------------------
    function wsUrl(cfg, after, attempt) {
        var base = cfg.base;
        if (!base) {
            var proto = window.location.protocol === "https:" ? "wss:" : "ws:";
            var host = window.location.hostname;
            if (host.indexOf(":") >= 0) { host = "[" + host + "]"; }
            base = proto + "//" + host + ":" + cfg.port + "/";
        }
        var sep = base.indexOf("?") >= 0 ? "&" : "?";
        return base + sep + "after=" + encodeURIComponent(after || "0") + "&c=" + cfg.epoch + "." + (attempt || 0);
    }

    function backoffMs(attempt) {
        var base = Math.min(30000, 1000 * Math.pow(2, Math.max(0, attempt - 1)));
        return Math.round(base * (0.8 + Math.random() * 0.4));   // jitter: tabs do not reconnect in step
    }

    function currentPath() { return window.location.pathname || "/"; }

    // The connection's position lives here, not in a Dash store: callbacks that run close together
    // would otherwise read each other's stale copies. One page at a time owns it.
    var conn = null;   // {cfg, page, lastId, status, attempt}

    function connect(cfg) {
        if (!cfg) { return [noUpdate(), noUpdate()]; }
        clearTimeout(timers.reconnect);
        conn = {cfg: cfg, page: cfg.page, lastId: cfg.after || "0", status: "connecting", attempt: 0};
        return [wsUrl(cfg, conn.lastId, 0), {status: "connecting", attempt: 0}];
    }

    function socketState(state) {
        if (!state || !conn || conn.status === "idle" || conn.status === "resetting") { return noUpdate(); }
        if (state.readyState === 1) {
            conn.status = "live";
            conn.attempt = 0;
            return {status: "live", attempt: 0};
        }
        if (state.readyState !== 3) { return noUpdate(); }
        // Dropped: try again later from the last batch applied, so nothing is missed or repeated.
        var mine = conn;
        mine.status = "paused";
        mine.attempt += 1;
        clearTimeout(timers.reconnect);
        timers.reconnect = setTimeout(function () {
            if (conn !== mine || mine.status !== "paused" || currentPath() !== mine.page) { return; }
            window.dash_clientside.set_props("hdr-ws", {url: wsUrl(mine.cfg, mine.lastId, mine.attempt)});
        }, backoffMs(mine.attempt));
        return {status: "paused", attempt: mine.attempt};
    }

    function leavePage(pathname) {
        if (!conn || pathname === conn.page) { return [noUpdate(), noUpdate()]; }
        clearTimeout(timers.reconnect);
        conn.status = "idle";
        conn = null;
        return [null, {status: "idle", attempt: 0}];
    }

    function liveBadge(live, cfg) {
        var status = (live && live.status) || "idle";
        var text = {
            idle: "", connecting: label(cfg, "live.connecting"), live: label(cfg, "live.live"),
            paused: label(cfg, "live.paused"), resetting: label(cfg, "live.reloading")
        }[status];
        return [text || "", "live-badge live-" + status];
    }

    // -- deltas ------------------------------------------------------------------------------
    function byKey(collection, key) {
        var map = new Map();
        ((collection && collection.features) || []).forEach(function (f) { map.set(f.properties[key], f); });
        return map;
    }
    function toCollection(map) { return {type: "FeatureCollection", features: Array.from(map.values())}; }

    function upsert(map, feature, key, keep) {
        var id = feature && feature.properties && feature.properties[key];
        if (id === undefined || id === null) { return; }
        if (keep(feature)) { map.set(id, feature); } else { map.delete(id); }
    }

    function mergeProperties(collection, updates) {
        return {type: "FeatureCollection", features: ((collection && collection.features) || []).map(function (f) {
            var change = updates.get(f.properties.id);
            return change ? Object.assign({}, f, {properties: Object.assign({}, f.properties, change)}) : f;
        })};
    }

    function openIncident(f) { return !!f.geometry && OPEN_STATUSES.indexOf(f.properties.status) >= 0; }
    function activeAlert(f) { return !!f.geometry && f.properties.status === "active"; }

    // `reloadId`: the id of the page's snapshot trigger (a State of its "id"); the Operations page's by default
    function applyBatch(message, segments, stations, incidents, alerts, figures, events, feeds, reload, reloadId) {
        var out = many(8);
        if (!message || typeof message.data !== "string" || !conn) { return out; }
        if (conn.status === "idle" || conn.status === "resetting") { return out; }
        var batch;
        try { batch = JSON.parse(message.data); } catch (e) { return out; }
        var restart = function () {
            conn.status = "resetting";
            out[7] = {status: "resetting", attempt: 0};
            // reload the snapshot; it reconnects from there. Set, not returned: a page-scoped callback
            // that outputs the snapshot's trigger would keep the snapshot from loading at all
            window.dash_clientside.set_props(reloadId || "ops-reload", {data: (reload || 0) + 1});
            return out;
        };
        if (batch.reset) { return restart(); }
        if (batch.after !== undefined && String(batch.after) !== String(conn.lastId)) {
            return restart();                // a batch went missing on the way: start again, never show a gap
        }
        var inc = null, alr = null, segUpdates = null, stUpdates = null;
        var fig = null, evs = null, fds = null;
        (batch.messages || []).forEach(function (m) {
            var d = m.data || {};
            switch (m.topic) {
                case "incident.upsert":
                    inc = inc || byKey(incidents, "id");
                    upsert(inc, d, "id", openIncident);
                    break;
                case "alert.upsert":
                    alr = alr || byKey(alerts, "identifier");
                    upsert(alr, d, "identifier", activeAlert);
                    break;
                case "segments.update":
                    segUpdates = segUpdates || new Map();
                    (d.items || []).forEach(function (it) { segUpdates.set(it.id, it); });
                    break;
                case "station.update":
                    stUpdates = stUpdates || new Map();
                    stUpdates.set(d.id, d);
                    break;
                case "event.new":
                    evs = [d].concat(evs || events || []).slice(0, MAX_EVENTS);
                    break;
                case "figures":
                    fig = d;
                    break;
                case "feeds.health":
                    fds = d.items || [];
                    break;
                default:
                    break;                   // topics for other screens
            }
        });
        if (segUpdates) { out[0] = mergeProperties(segments, segUpdates); }
        if (stUpdates) { out[1] = mergeProperties(stations, stUpdates); }
        if (inc) { out[2] = toCollection(inc); }
        if (alr) { out[3] = toCollection(alr); }
        if (fig) { out[4] = fig; }
        if (evs) { out[5] = evs; }
        if (fds) { out[6] = fds; }
        conn.lastId = batch.last_id;
        if (conn.status !== "live") {
            conn.status = "live";
            out[7] = {status: "live", attempt: 0};
        }
        return out;
    }

    // Every message of the socket goes to the live page's inbox (layouts/shell.live_inbox), whose
    // callbacks then run; no other page's do.
    function routeMessage(message) {
        var outputs = (window.dash_clientside.callback_context || {}).outputs_list || [];
        return outputs.map(function () { return message ? message : noUpdate(); });
    }

    // For other pages' batch handlers: checks one WebSocket message against the connection (order,
    // reset) and moves its position on, as applyBatch does. Returns null (nothing to apply),
    // {reset: true, live} (reload the page's snapshot) or {messages, live}; `live`, when set, is
    // the header's new live status.
    function takeBatch(message) {
        if (!message || typeof message.data !== "string" || !conn) { return null; }
        if (conn.status === "idle" || conn.status === "resetting") { return null; }
        var batch;
        try { batch = JSON.parse(message.data); } catch (e) { return null; }
        if (batch.reset || (batch.after !== undefined && String(batch.after) !== String(conn.lastId))) {
            conn.status = "resetting";
            return {reset: true, live: {status: "resetting", attempt: 0}};
        }
        conn.lastId = batch.last_id;
        var live = null;
        if (conn.status !== "live") {
            conn.status = "live";
            live = {status: "live", attempt: 0};
        }
        return {messages: batch.messages || [], live: live};
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.cityops = Object.assign(window.dash_clientside.cityops || {}, {
        connect: connect, socketState: socketState, leavePage: leavePage, liveBadge: liveBadge,
        applyBatch: applyBatch, takeBatch: takeBatch, routeMessage: routeMessage, _wsUrl: wsUrl, _connection: function () { return conn; }
    });
})();
