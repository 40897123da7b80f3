/* CityOps client-side rendering (window.dash_clientside.cityops): the Operations page's figures,
 * events and feeds from its stores, the header's clock and active navigation link. Labels and
 * colours come from the page's config store (dashboard.i18n, layouts/palette.py).
 */
(function () {
    "use strict";

    function noUpdate() { return window.dash_clientside.no_update; }
    function many(n) { var out = []; for (var i = 0; i < n; i++) { out.push(noUpdate()); } return out; }
    function label(cfg, key, fallback) {
        var labels = (cfg && cfg.labels) || {};
        return labels[key] !== undefined ? labels[key] : (fallback !== undefined ? fallback : key);
    }
    function isEn(cfg) { return cfg && cfg.lang === "en"; }

    // -- the Operations page -----------------------------------------------------------------------------
    function num(v) { return v === null || v === undefined ? "–" : String(v); }

    function ciLevel(ci, cfg) {
        if (ci === null || ci === undefined) { return null; }
        var level = null;
        (cfg.ci_levels || []).forEach(function (step) { if (ci >= step[0] - 1e-9) { level = step[1]; } });
        return level;
    }

    function chipStyle(colour, text) {
        return colour ? {backgroundColor: colour, color: text || "#0b121c"} : {display: "none"};
    }

    function pollutants(list, cfg) {
        if (!list || !list.length) { return label(cfg, "ops.fig.primary") + ": " + label(cfg, "ops.fig.primary_none"); }
        var names = list.map(function (p) { return label(cfg, "pollutant." + p, p); });
        return label(cfg, "ops.fig.primary") + ": " + names.join(isEn(cfg) ? ", " : "、");
    }

    function renderFigures(fig, cfg) {
        if (!fig || !cfg) { return many(14); }
        var pal = cfg.palette;
        var ci = fig.city_ci, ciLv = ciLevel(ci, cfg);
        var aqiLv = fig.aqi_level || null;
        return [
            num(fig.open_incidents), num(fig.new_today), num(fig.overdue), num(fig.closed_today),
            ci === null || ci === undefined ? "–" : Number(ci).toFixed(1),
            ciLv ? label(cfg, "congestion." + ciLv) : "",
            chipStyle(ciLv && pal.congestion[ciLv], ciLv === "severe" ? "#ffffff" : "#0b121c"),
            num(fig.city_aqi),
            aqiLv ? label(cfg, "aqi." + aqiLv) : "",
            chipStyle(aqiLv && pal.aqi[aqiLv], aqiLv && pal.aqi_text[aqiLv]),
            fig.city_aqi === null || fig.city_aqi === undefined ? "" : pollutants(fig.primary, cfg),
            num(fig.active_alerts),
            "tile" + (fig.overdue > 0 ? " tile-alarm" : ""),
            "tile tile-wide" + (fig.active_alerts > 0 ? " tile-alarm" : "")
        ];
    }

    var formatters = {};
    function formatter(cfg, withDate) {
        var key = cfg.lang + cfg.tz + withDate;
        if (!formatters[key]) {
            var opts = {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: cfg.tz};
            if (withDate) { opts.month = "2-digit"; opts.day = "2-digit"; }
            formatters[key] = new Intl.DateTimeFormat(cfg.lang === "en" ? "en-GB" : "zh-CN", opts);
        }
        return formatters[key];
    }
    function shortTime(iso, cfg) {
        if (!iso) { return ""; }
        var when = new Date(iso);
        if (isNaN(when.getTime())) { return ""; }
        var sameDay = formatter(cfg, true).format(when).slice(0, 5) === formatter(cfg, true).format(new Date()).slice(0, 5);
        return formatter(cfg, !sameDay).format(when);
    }

    function el(type, props) { return {type: type, namespace: "dash_html_components", props: props}; }

    function renderEvents(events, cfg) {
        if (!cfg) { return noUpdate(); }
        if (!events || !events.length) {
            return [el("Li", {className: "event-empty", children: label(cfg, "ops.events.empty")})];
        }
        var now = Date.now();
        return events.map(function (e) {
            var title = (isEn(cfg) ? e.title_en || e.title_zh : e.title_zh || e.title_en) || "";
            var kind = e.kind || "other";
            var fresh = e.at && now - new Date(e.at).getTime() < 60000;
            return el("Li", {className: "event event-" + kind + (fresh ? " is-new" : ""), children: [
                el("Time", {className: "event-time", dateTime: e.at, children: shortTime(e.at, cfg)}),
                el("Span", {className: "event-kind", children: label(cfg, "event.kind." + kind, label(cfg, "event.kind.other"))}),
                el("Span", {className: "event-title", title: title, children: title})
            ]});
        });
    }

    // The feed strip; feeds age on the clock tick (cityops-feeds.js): one that has had no fresh news
    // for too long is marked stale even if nothing more arrives.
    var lastFeeds = {sig: null};
    function renderFeeds(feeds, _tick, cfg) {
        if (!cfg || !feeds) { return noUpdate(); }
        var ops = window.dash_clientside.cityops;
        var now = ops.feedsNow("ops", feeds);
        var sig = JSON.stringify(now.map(function (f) { return [f.connector, f.state, f.detail]; }));
        if (ops.onlyTicked("hdr-clock-tick") && sig === lastFeeds.sig) { return noUpdate(); }
        lastFeeds.sig = sig;
        return now.map(function (f) {
            var state = f.state || "stale";
            return el("Li", {className: "feed feed-" + state, title: f.detail || "", "data-connector": f.connector,
                             "data-state": state, children: [
                el("Span", {className: "feed-dot", style: {backgroundColor: cfg.palette.feed[state] || "#888"}}),
                el("Span", {className: "feed-name", children: label(cfg, "source." + f.connector, f.connector)}),
                el("Span", {className: "feed-state", children: [
                    el("Span", {className: "feed-state-icon", "aria-hidden": "true", children: ops.feedIcon(state)}),
                    label(cfg, "feed.state." + state, state)]})
            ]});
        });
    }

    function pageLiveClass(live) {
        var status = live && live.status;
        return "ops-page" + (status === "paused" || status === "resetting" ? " is-paused" : "");
    }

    // -- header --------------------------------------------------------------------------------
    var clockFormats = {};
    function clock(_n, cfg) {
        if (!cfg) { return noUpdate(); }
        var key = cfg.lang + cfg.tz;
        try {
            if (!clockFormats[key]) {
                clockFormats[key] = new Intl.DateTimeFormat(cfg.lang === "en" ? "en-GB" : "zh-CN", {
                    timeZone: cfg.tz, weekday: "short", month: cfg.lang === "en" ? "short" : "numeric",
                    day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"});
            }
            var p = {};
            clockFormats[key].formatToParts(new Date()).forEach(function (part) { p[part.type] = part.value; });
            var time = p.hour + ":" + p.minute + ":" + p.second;
            return cfg.lang === "en" ? p.weekday + " " + p.day + " " + p.month + "  " + time
                                     : p.month + "月" + p.day + "日 " + p.weekday + "  " + time;
        } catch (e) {
            return new Date().toLocaleTimeString();
        }
    }

    function navActive(pathname, hrefs) {
        return (hrefs || []).map(function (href) {
            var active = href === "/" ? pathname === "/" : (pathname || "").indexOf(href) === 0;
            return "nav-link" + (active ? " is-active" : "");
        });
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.cityops = Object.assign(window.dash_clientside.cityops || {}, {
        renderFigures: renderFigures, renderEvents: renderEvents, renderFeeds: renderFeeds,
        pageLiveClass: pageLiveClass, clock: clock, navActive: navActive
    });
})();
