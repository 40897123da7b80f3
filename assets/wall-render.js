/* The video wall's drawing (window.dash_clientside.wall): key figures, the ticker, the feed strip and
 * the scene lists, from the page's stores. Lists are bounded by what fits their box, so the DOM never
 * grows; labels and colours come from the page's config (dashboard.i18n, layouts/palette.py).
 */
(function () {
    "use strict";

    var DASH = "–";
    var feedSeen = {ref: null, at: 0, shown: ""};   // when the feed items were received (they age from there)

    function nu() { return window.dash_clientside.no_update; }
    function label(cfg, key, fallback) {
        var labels = (cfg && cfg.labels) || {};
        return labels[key] !== undefined ? labels[key] : (fallback !== undefined ? fallback : key);
    }
    function el(type, props) { return {type: type, namespace: "dash_html_components", props: props}; }
    function en(cfg) { return cfg.lang === "en"; }
    // A title the system composed ("<category> · <address>") in the screen's language; typed text as it is.
    var RULE_TITLES = [["空气质量超标", "Air quality exceedance"], ["严重拥堵", "Severe congestion"], ["其他问题", "Other"]];
    function incidentTitle(p, cfg) {
        var title = String(p.title || "");
        if (!en(cfg) || title.indexOf(" · ") < 0) { return title; }
        var pairs = [[p.category_name_zh, p.category_name_en]].concat(RULE_TITLES);
        for (var i = 0; i < pairs.length; i++) {
            var zh = pairs[i][0], eng = pairs[i][1];
            if (zh && eng && title.indexOf(zh + " · ") === 0) { return eng + title.slice(zh.length); }
        }
        return title;
    }
    function named(p, cfg) { return en(cfg) ? p.name_en || p.name_zh || p.id : p.name_zh || p.name_en || p.id; }
    function missing(v) { return v === null || v === undefined; }
    function chip(text, colour, ink) {
        return el("Span", {className: "wchip", style: colour ? {backgroundColor: colour, color: ink || "#0b121c"} : {},
                           children: text});
    }

    // How many rows of `em` ems fit the box with this id (rows are sized in ems of the box's font).
    function rowsFit(id, em, fallback) {
        var box = document.getElementById(id);
        if (!box || !box.clientHeight) { return fallback; }
        var size = parseFloat(getComputedStyle(box).fontSize) || 16;
        return Math.max(1, Math.floor(box.clientHeight / (size * em) + 0.02));
    }

    // -- key figures ------------------------------------------------------------------------------------
    function ciLevel(ci, cfg) {
        var level = null;
        if (missing(ci)) { return null; }
        (cfg.ci_levels || []).forEach(function (step) { if (ci >= step[0] - 1e-9) { level = step[1]; } });
        return level;
    }
    function duration(seconds, cfg) {
        if (missing(seconds)) { return [DASH, ""]; }
        if (seconds < 3600) { return [String(Math.round(seconds / 60)), label(cfg, "wall.unit.minutes")]; }
        if (seconds < 72 * 3600) { return [(seconds / 3600).toFixed(1), label(cfg, "wall.unit.hours")]; }
        return [(seconds / 86400).toFixed(1), label(cfg, "wall.unit.days")];
    }
    function tile(key, cfg, value, opts) {
        opts = opts || {};
        return el("Div", {className: "wtile wtile-" + key + (opts.alarm ? " is-alarm" : ""), "data-fig": key, children: [
            el("Div", {className: "wtile-label", children: opts.label}),
            el("Div", {className: "wtile-body", children: [
                el("Span", {className: "wtile-value", children: value}),
                el("Span", {className: "wtile-unit", children: opts.unit || ""}),
                opts.chip || el("Span", {className: "wtile-chip"})]}),
            el("Div", {className: "wtile-note", children: opts.note || ""})
        ]});
    }
    function renderFigures(fig, cfg) {
        if (!fig || !cfg) { return nu(); }
        var pal = cfg.palette, num = function (v) { return missing(v) ? DASH : String(v); };
        var ciLv = ciLevel(fig.city_ci, cfg), aqiLv = fig.aqi_level;
        var close = duration(fig.avg_close_seconds, cfg);
        var primary = (fig.primary || []).map(function (p) { return label(cfg, "pollutant." + p, p); }).join(en(cfg) ? ", " : "、");
        var window7 = fig.closed_7d ? label(cfg, "wall.fig.window").replace("{n}", fig.closed_7d) : label(cfg, "wall.fig.window_none");
        return [
            tile("open", cfg, num(fig.open_incidents), {label: label(cfg, "ops.fig.open")}),
            tile("new_today", cfg, num(fig.new_today), {label: label(cfg, "ops.fig.new_today")}),
            tile("overdue", cfg, num(fig.overdue), {label: label(cfg, "ops.fig.overdue"), alarm: fig.overdue > 0}),
            tile("closed_today", cfg, num(fig.closed_today), {label: label(cfg, "ops.fig.closed_today")}),
            tile("on_time", cfg, missing(fig.on_time_rate) ? DASH : (fig.on_time_rate * 100).toFixed(1),
                 {label: label(cfg, "wall.fig.on_time"), unit: missing(fig.on_time_rate) ? "" : "%", note: window7}),
            tile("avg_close", cfg, close[0], {label: label(cfg, "wall.fig.avg_close"), unit: close[1], note: window7}),
            // the level goes under the value: "Free flow" beside a two-digit index overflows a narrow tile
            tile("ci", cfg, missing(fig.city_ci) ? DASH : Number(fig.city_ci).toFixed(1), {label: label(cfg, "wall.fig.ci"),
                 note: ciLv ? chip(label(cfg, "congestion." + ciLv), pal.congestion[ciLv], ciLv === "severe" ? "#fff" : null) : ""}),
            tile("aqi", cfg, num(fig.city_aqi), {label: label(cfg, "wall.fig.aqi"),
                 chip: aqiLv ? chip(label(cfg, "aqi." + aqiLv), pal.aqi[aqiLv], pal.aqi_text[aqiLv]) : null,
                 note: missing(fig.city_aqi) ? "" : label(cfg, "wall.fig.primary") + ": " + (primary || label(cfg, "ops.fig.primary_none"))}),
            tile("alerts", cfg, num(fig.active_alerts), {label: label(cfg, "ops.fig.alerts"), alarm: fig.active_alerts > 0})
        ];
    }

    // -- the ticker --------------------------------------------------------------------------------------
    var timeFormats = {};
    function hhmm(iso, cfg) {
        var when = iso ? new Date(iso) : null;
        if (!when || isNaN(when.getTime())) { return ""; }
        var key = cfg.lang + cfg.tz;
        timeFormats[key] = timeFormats[key] || new Intl.DateTimeFormat("en-GB", {timeZone: cfg.tz, hour: "2-digit",
                                                                               minute: "2-digit", hour12: false});
        return timeFormats[key].format(when);
    }
    function renderTicker(events, cfg) {
        if (!cfg) { return nu(); }
        if (!events || !events.length) { return [el("Li", {className: "wticker-empty", children: label(cfg, "ops.events.empty")})]; }
        var now = Date.now();
        return events.slice(0, rowsFit("wall-ticker", 1.75, 5)).map(function (e) {
            var kind = e.kind || "other";
            var fresh = e.at && now - new Date(e.at).getTime() < 120000;
            return el("Li", {className: "wevent wevent-" + kind + (fresh ? " is-new" : ""), children: [
                el("Time", {className: "wevent-time", children: hhmm(e.at, cfg)}),
                el("Span", {className: "wevent-kind", children: label(cfg, "event.kind." + kind, label(cfg, "event.kind.other"))}),
                el("Span", {className: "wevent-title", children: (en(cfg) ? e.title_en || e.title_zh : e.title_zh || e.title_en) || ""})
            ]});
        });
    }

    // -- the feed strip: a feed that stops reporting turns stale here, whatever the last report said -----
    function lagText(seconds, cfg) {
        if (missing(seconds)) { return label(cfg, "wall.lag.never"); }
        var s = Math.max(0, Math.round(seconds));
        if (s < 120) { return label(cfg, "wall.lag.seconds").replace("{n}", s); }
        if (s < 7200) { return label(cfg, "wall.lag.minutes").replace("{n}", Math.round(s / 60)); }
        return label(cfg, "wall.lag.hours").replace("{n}", Math.round(s / 3600));
    }
    function renderFeeds(feeds, _tick, cfg) {
        if (!cfg || !feeds) { return nu(); }
        var now = Date.now();
        if (feeds !== feedSeen.ref) { feedSeen.ref = feeds; feedSeen.at = now; }
        var items = feeds.map(function (f) {
            var lag = missing(f.lag_seconds) ? null : f.lag_seconds + (now - feedSeen.at) / 1000;
            var state = f.state || "stale";
            if ((state === "ok" || state === "degraded") && (lag === null || lag > cfg.stale_after)) { state = "stale"; }
            return {name: label(cfg, "source." + f.connector, f.connector), state: state,
                    lag: state === "ok" ? "" : lagText(lag, cfg)};
        });
        var shown = JSON.stringify(items);
        if (shown === feedSeen.shown) { return nu(); }
        feedSeen.shown = shown;
        return items.map(function (f) {
            return el("Li", {className: "wfeed wfeed-" + f.state, children: [
                el("Span", {className: "wfeed-dot", style: {backgroundColor: cfg.palette.feed[f.state] || "#888"}}),
                el("Span", {className: "wfeed-name", children: f.name}),
                el("Span", {className: "wfeed-state", children: f.state === "ok" ? "" : label(cfg, "feed.state." + f.state, f.state)}),
                el("Span", {className: "wfeed-lag", children: f.lag})
            ]});
        });
    }

    // -- the scene lists ---------------------------------------------------------------------------------
    function row(cells, cls) { return el("Li", {className: "wrow " + (cls || ""), children: cells}); }
    function empty(cfg, key) { return [el("Li", {className: "wrow-empty", children: label(cfg, key)})]; }
    function features(c) { return (c && c.features) || []; }

    var CONGESTED = ["moderate", "heavy", "severe"];
    function renderRoads(segments, cfg) {
        if (!cfg || !segments) { return nu(); }
        var pal = cfg.palette.congestion;
        // only congested roads: light congestion (CI 4) and worse; free-flowing ones never make this list
        var items = features(segments).filter(function (f) {
            return !missing(f.properties.ci) && CONGESTED.indexOf(f.properties.level) >= 0;
        }).sort(function (a, b) { return b.properties.ci - a.properties.ci; }).slice(0, rowsFit("wall-top-roads", 1.9, 5));
        if (!items.length) { return empty(cfg, "wall.roads.none"); }
        return items.map(function (f) {
            var p = f.properties, lv = p.level || "unknown";
            return row([el("Span", {className: "wrow-name", children: named(p, cfg)}),
                        el("Span", {className: "wrow-num", children: missing(p.speed_kmh) ? DASH : Math.round(p.speed_kmh) + " km/h"}),
                        chip(label(cfg, "congestion." + lv), pal[lv], lv === "severe" ? "#fff" : null)]);
        });
    }
    function renderStations(stations, cfg) {
        if (!cfg || !stations) { return nu(); }
        var pal = cfg.palette;
        var items = features(stations).filter(function (f) { return !missing(f.properties.aqi); })
            .sort(function (a, b) { return b.properties.aqi - a.properties.aqi; }).slice(0, rowsFit("wall-top-stations", 1.9, 5));
        if (!items.length) { return empty(cfg, "wall.list.none"); }
        return items.map(function (f) {
            var p = f.properties, lv = p.level || "unknown";
            var primary = (p.primary || []).map(function (x) { return label(cfg, "pollutant." + x, x); }).join("、");
            return row([el("Span", {className: "wrow-name", children: named(p, cfg)}),
                        el("Span", {className: "wrow-note", children: primary}),
                        chip(String(p.aqi), pal.aqi[lv], pal.aqi_text[lv])]);
        });
    }
    function renderAlerts(alerts, cfg) {
        if (!cfg || !alerts) { return nu(); }
        var rank = {Extreme: 0, Severe: 1, Moderate: 2, Minor: 3};
        var items = features(alerts).slice().sort(function (a, b) {
            return (rank[a.properties.severity] || 4) - (rank[b.properties.severity] || 4);
        }).slice(0, rowsFit("wall-alert-list", 2.7, 3));
        if (!items.length) { return empty(cfg, "wall.alerts.none"); }
        return items.map(function (f) {
            var p = f.properties;
            return row([chip(label(cfg, "severity." + p.severity, p.severity), cfg.palette.alert[p.severity],
                             (cfg.palette.alert_text || {})[p.severity] || "#fff"),
                        el("Span", {className: "wrow-name", children: (en(cfg) ? p.headline_en || p.headline_zh : p.headline_zh || p.headline_en) || p.event})]);
        });
    }
    function renderIncidents(incidents, cfg) {
        if (!cfg || !incidents) { return [nu(), nu()]; }
        var all = features(incidents).map(function (f) { return f.properties; });
        var urgent = all.filter(function (p) { return p.priority <= 2; }).sort(function (a, b) {
            return a.priority - b.priority || String(b.created_at).localeCompare(String(a.created_at));
        }).slice(0, rowsFit("wall-urgent-list", 1.9, 4));
        var rows = urgent.length ? urgent.map(function (p) {
            return row([chip(label(cfg, "priority." + p.priority), cfg.palette.priority[String(p.priority)], "#0b121c"),
                        el("Span", {className: "wrow-name", children: incidentTitle(p, cfg)}),
                        el("Span", {className: "wrow-note" + (p.overdue ? " is-alarm" : ""),
                                    children: p.overdue ? label(cfg, "incident.overdue") : label(cfg, "status." + p.status, p.status)})]);
        }) : empty(cfg, "wall.urgent.none");
        var order = ["reported", "verified", "dispatched", "accepted", "returned", "fixed"];
        var counts = {}, most = 1;
        all.forEach(function (p) { counts[p.status] = (counts[p.status] || 0) + 1; });
        order.forEach(function (s) { most = Math.max(most, counts[s] || 0); });
        var bars = order.map(function (s) {
            return el("Div", {className: "wbar wbar-" + s, children: [
                el("Span", {className: "wbar-name", children: label(cfg, "status." + s, s)}),
                el("Span", {className: "wbar-track", children: el("Span", {className: "wbar-fill",
                    style: {width: Math.round(100 * (counts[s] || 0) / most) + "%"}})}),
                el("Span", {className: "wbar-num", children: String(counts[s] || 0)})]});
        });
        return [rows, bars];
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.wall = Object.assign(window.dash_clientside.wall || {}, {
        renderFigures: renderFigures, renderTicker: renderTicker, renderFeeds: renderFeeds, renderRoads: renderRoads,
        renderStations: renderStations, renderAlerts: renderAlerts, renderIncidents: renderIncidents,
        incidentTitle: incidentTitle
    });
})();
