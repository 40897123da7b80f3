/* CityOps feed health on the client (window.dash_clientside.cityops).
 *
 * The ingest service sends "feeds.health" when a connector's state changes and at least every
 * quarter of the stale threshold. What a page holds ages as time passes: a feed it has heard
 * nothing fresh about for longer than the threshold is shown stale, so a page whose news stopped
 * (ingest gone, relay gone) never shows a feed as fine. Ages are counted on this browser's clock
 * from when the data arrived, so a browser whose clock is off still ages correctly.
 *
 * Used by the Operations page's feed strip (cityops-render.js) and the Feeds page (cards, live
 * updates, fallback refresh, dead-letter reload trigger).
 */
(function () {
    "use strict";

    var ICONS = {ok: "✓", degraded: "!", stale: "◷", down: "✕"};
    var ATTENTION = ["degraded", "stale", "down"];

    function noUpdate() { return window.dash_clientside.no_update; }
    function label(cfg, key, fallback) {
        var labels = (cfg && cfg.labels) || {};
        return labels[key] !== undefined ? labels[key] : (fallback !== undefined ? fallback : key);
    }
    function fill(text, values) {
        return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
    }
    function el(type, props) { return {type: type, namespace: "dash_html_components", props: props}; }

    // -- ageing ----------------------------------------------------------------------------------
    var received = {};   // page → {sig, at}: when the data a page shows arrived (this browser's clock)

    function receivedAt(page, items) {
        var sig = JSON.stringify(items || []);
        var seen = received[page];
        if (!seen || seen.sig !== sig) { seen = received[page] = {sig: sig, at: Date.now()}; }
        return seen.at;
    }

    // The items as they stand now: lag grown by the time since they arrived, and a feed with no
    // fresh news for longer than its threshold shown stale (down stays down).
    function feedsNow(page, items) {
        var elapsed = Math.max(0, (Date.now() - receivedAt(page, items)) / 1000);
        return (items || []).map(function (item) {
            var lag = item.lag_seconds === null || item.lag_seconds === undefined ? null : item.lag_seconds + elapsed;
            var state = item.state || "stale";
            var limit = item.stale_after_seconds;
            if ((state === "ok" || state === "degraded") && lag !== null && limit && lag > limit) { state = "stale"; }
            return Object.assign({}, item, {state: state, lag_now: lag});
        });
    }

    function feedIcon(state) { return ICONS[state] || ICONS.stale; }

    // Only the clock ticked (nothing new arrived): the caller may skip an unchanged render.
    function onlyTicked(tickId) {
        var ctx = window.dash_clientside.callback_context;
        var fired = (ctx && ctx.triggered) || [];
        return fired.length > 0 && fired.every(function (t) { return String(t.prop_id).indexOf(tickId + ".") === 0; });
    }

    // -- words for times -------------------------------------------------------------------------
    function duration(seconds, cfg, prefix) {
        var s = Math.max(0, Math.round(seconds));
        if (prefix === "feeds.ago." && s < 2) { return label(cfg, "feeds.ago.now"); }
        if (s < 60) { return fill(label(cfg, prefix + "s"), {n: s}); }
        if (s < 3600) { return fill(label(cfg, prefix + "m"), {n: Math.floor(s / 60)}); }
        if (s < 86400) { return fill(label(cfg, prefix + "h"), {n: Math.floor(s / 3600)}); }
        return fill(label(cfg, prefix + "d"), {n: Math.floor(s / 86400)});
    }

    var formats = {};
    function localTime(iso, cfg) {
        if (!iso) { return ""; }
        var when = new Date(iso);
        if (isNaN(when.getTime())) { return ""; }
        var key = cfg.lang + cfg.tz;
        if (!formats[key]) {
            formats[key] = new Intl.DateTimeFormat("en-CA", {timeZone: cfg.tz, year: "numeric", month: "2-digit",
                day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"});
        }
        var p = {};
        formats[key].formatToParts(when).forEach(function (part) { p[part.type] = part.value; });
        var today = {};
        formats[key].formatToParts(new Date()).forEach(function (part) { today[part.type] = part.value; });
        var time = p.hour + ":" + p.minute + ":" + p.second;
        var sameDay = p.year === today.year && p.month === today.month && p.day === today.day;
        return sameDay ? time : p.year + "-" + p.month + "-" + p.day + " " + time;
    }

    function number(n, cfg) {
        return n === null || n === undefined ? "–" : Number(n).toLocaleString(cfg.lang === "en" ? "en-GB" : "zh-CN");
    }

    // -- the Feeds page --------------------------------------------------------------------------
    function stat(term, value, extra) {
        return el("Div", {className: "feed-stat" + (extra ? " " + extra : ""), children: [
            el("Dt", {children: term}), el("Dd", {children: value})]});
    }

    function errorText(f, cfg) {
        if (!f.ok && f.detail) { return f.detail; }
        if (f.last_failure) { return fill(label(cfg, "feeds.error.earlier"), {time: localTime(f.last_failure, cfg)}); }
        return label(cfg, "feeds.error.none");
    }

    function card(f, cfg) {
        var state = f.state;
        var hint = fill(label(cfg, "feeds.hint." + state), {limit: duration(f.stale_after_seconds || 0, cfg, "feeds.dur.")});
        var success = f.last_success
            ? [el("Span", {className: "feed-abs", children: localTime(f.last_success, cfg)}),
               el("Span", {className: "feed-ago", children: duration(f.lag_now, cfg, "feeds.ago.")})]
            : label(cfg, "feeds.never");
        var error = errorText(f, cfg);
        return el("Article", {
            className: "feed-card feed-card-" + state, id: "feeds-card-" + f.connector,
            "data-connector": f.connector, "data-state": state,
            style: {"--feed-colour": (cfg.palette.feed || {})[state] || "#888"},
            children: [
                el("Div", {className: "feed-card-head", children: [
                    el("H3", {className: "feed-card-name", children: label(cfg, "source." + f.connector, f.connector)}),
                    el("Span", {className: "feed-badge", role: "status", children: [
                        el("Span", {className: "feed-badge-icon", "aria-hidden": "true", children: feedIcon(state)}),
                        el("Span", {className: "feed-badge-word", children: label(cfg, "feed.state." + state, state)})]})
                ]}),
                el("P", {className: "feed-card-hint", children: hint}),
                el("Dl", {className: "feed-card-stats", children: [
                    stat(label(cfg, "feeds.last_success"), success, "feed-stat-wide"),
                    stat(label(cfg, "feeds.lag"), f.lag_now === null ? "–" : duration(f.lag_now, cfg, "feeds.dur.")),
                    stat(label(cfg, "feeds.events"), number(f.events_total, cfg)),
                    stat(label(cfg, "feeds.dead_letters"), number(f.dead_letters_total, cfg),
                         f.dead_letters_total > 0 ? "feed-stat-warn" : ""),
                    stat(label(cfg, "feeds.failures"), number(f.consecutive_failures, cfg),
                         f.consecutive_failures > 0 ? "feed-stat-warn" : "")
                ]}),
                el("Div", {className: "feed-card-error" + (f.ok ? "" : " is-failing"), title: error, children: [
                    el("Span", {className: "feed-card-error-label", children: label(cfg, "feeds.error")}),
                    el("Span", {className: "feed-card-error-text", children: error})]})
            ]
        });
    }

    var lastCards = {sig: null};
    function renderFeedCards(health, _tick, cfg) {
        if (!cfg || !health) { return [noUpdate(), noUpdate(), noUpdate()]; }
        var items = feedsNow("feeds", health.items);
        var sig = JSON.stringify(items.map(function (f) { return [f.connector, f.state, Math.round(f.lag_now || 0)]; }));
        if (onlyTicked("hdr-clock-tick") && sig === lastCards.sig) { return [noUpdate(), noUpdate(), noUpdate()]; }
        lastCards.sig = sig;
        var attention = items.filter(function (f) { return ATTENTION.indexOf(f.state) >= 0; }).length;
        var summary = !items.length ? label(cfg, "feeds.summary.none")
            : attention ? fill(label(cfg, "feeds.summary.problems"), {n: attention}) : label(cfg, "feeds.summary.ok");
        var cards = items.map(function (f) { return card(f, cfg); });
        return [cards, summary, "feeds-summary" + (attention ? " has-problems" : items.length ? " all-ok" : "")];
    }

    // Live: the newest "feeds.health" in a batch replaces what the page holds. A reset reloads
    // health (set, not returned: see applyBatch in cityops-live.js).
    function applyFeedsBatch(message, reload) {
        var taken = window.dash_clientside.cityops.takeBatch(message);
        if (!taken) { return [noUpdate(), noUpdate()]; }
        if (taken.reset) {
            window.dash_clientside.set_props("feeds-reload", {data: (reload || 0) + 1});
            return [noUpdate(), taken.live];
        }
        var latest = null;
        taken.messages.forEach(function (m) { if (m.topic === "feeds.health") { latest = m.data || {}; } });
        return [latest ? {items: latest.items || [], at: latest.at} : noUpdate(), taken.live || noUpdate()];
    }

    // The server is asked again only while live updates are not arriving.
    function fallbackOff(live) { return !!(live && live.status === "live"); }

    // The dead-letter table reloads when the count of what it shows changes.
    function deadLetterVersion(health, connector, current) {
        if (!health) { return noUpdate(); }
        var total = 0;
        (health.items || []).forEach(function (f) {
            if (!connector || f.connector === connector) { total += f.dead_letters_total || 0; }
        });
        var version = (connector || "*") + ":" + total;
        return version === current ? noUpdate() : version;
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.cityops = Object.assign(window.dash_clientside.cityops || {}, {
        feedsNow: feedsNow, feedIcon: feedIcon, onlyTicked: onlyTicked,
        renderFeedCards: renderFeedCards, applyFeedsBatch: applyFeedsBatch, fallbackOff: fallbackOff,
        deadLetterVersion: deadLetterVersion
    });
})();
