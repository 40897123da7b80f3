/* The video wall's short trends (window.dash_clientside.wall.renderTrends): new incidents per hour of
 * today, and the city congestion index and AQI over the last two hours. The last two are kept in the
 * browser in fixed rings of one-minute buckets (never a growing array), saved in sessionStorage so a
 * reload keeps them. Drawn as one SVG background image per chart: no DOM nodes to add or leak.
 */
(function () {
    "use strict";

    var STEP_MS = 60000, CAPACITY = 120, SAVE_EVERY_MS = 60000;
    var rings = null;                   // {ci: Ring, aqi: Ring}
    var hourly = {day: "", counts: null, ref: null};
    var drawn = {};                     // id → the last image, so an unchanged chart is not redrawn

    function nu() { return window.dash_clientside.no_update; }
    function label(cfg, key, fallback) {
        var labels = (cfg && cfg.labels) || {};
        return labels[key] !== undefined ? labels[key] : (fallback !== undefined ? fallback : key);
    }
    function el(type, props) { return {type: type, namespace: "dash_html_components", props: props}; }

    // -- a ring of one-minute buckets ---------------------------------------------------------------
    function Ring(name) {
        this.name = name;
        this.keys = new Float64Array(CAPACITY).fill(-1);
        this.values = new Float64Array(CAPACITY).fill(NaN);
        this.savedAt = 0;
        try {
            var saved = JSON.parse(window.sessionStorage.getItem("cityops.wall." + name) || "null");
            if (saved && saved.k && saved.k.length === CAPACITY) {
                for (var i = 0; i < CAPACITY; i++) { this.keys[i] = saved.k[i]; this.values[i] = saved.v[i] === null ? NaN : saved.v[i]; }
            }
        } catch (e) { /* no storage: start empty */ }
    }
    Ring.prototype.add = function (at, value) {
        if (value === null || value === undefined || isNaN(value)) { return; }
        var key = Math.floor(at / STEP_MS), slot = key % CAPACITY;
        this.keys[slot] = key;
        this.values[slot] = Number(value);            // the bucket keeps the minute's latest value
        if (at - this.savedAt > SAVE_EVERY_MS) {
            this.savedAt = at;
            try {
                window.sessionStorage.setItem("cityops.wall." + this.name, JSON.stringify(
                    {k: Array.from(this.keys), v: Array.from(this.values, function (v) { return isNaN(v) ? null : v; })}));
            } catch (e) { /* storage full or off: the ring still works */ }
        }
    };
    // The last two hours, from the first minute known (a wall opened ten minutes ago draws ten minutes).
    Ring.prototype.series = function (now) {
        var last = Math.floor(now / STEP_MS), out = [];
        for (var i = 0; i < CAPACITY; i++) {
            var key = last - CAPACITY + 1 + i, slot = key % CAPACITY;
            var v = this.keys[slot] === key ? this.values[slot] : NaN;
            if (out.length || !isNaN(v)) { out.push(v); }
        }
        return out;
    };
    function span(values, cfg) {
        var minutes = values.length - 1;
        if (minutes >= 90) { return "−" + Math.round(minutes / 60) + "h"; }
        return "−" + Math.max(1, minutes) + " " + label(cfg, "wall.unit.minutes");
    }

    // -- today's new incidents per hour: the snapshot's counts, the current hour from new_today --------
    var dayFormats = {};
    function localDayHour(cfg, now) {
        var key = cfg.tz;
        dayFormats[key] = dayFormats[key] || new Intl.DateTimeFormat("en-CA", {timeZone: cfg.tz, year: "numeric",
            month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23"});
        var p = {};
        dayFormats[key].formatToParts(now).forEach(function (part) { p[part.type] = part.value; });
        return [p.year + "-" + p.month + "-" + p.day, parseInt(p.hour, 10) % 24];
    }
    function hourlyCounts(snapshot, fig, cfg, now) {
        var dh = localDayHour(cfg, now);
        if (snapshot && !Array.isArray(snapshot)) { snapshot = snapshot.hourly || null; }
        if (snapshot && snapshot !== hourly.ref) { hourly = {day: dh[0], counts: snapshot.slice(0, 24), ref: snapshot}; }
        if (!hourly.counts || hourly.day !== dh[0]) { hourly = {day: dh[0], counts: new Array(24).fill(0), ref: hourly.ref}; }
        if (fig && typeof fig.new_today === "number") {
            var others = 0;
            hourly.counts.forEach(function (c, h) { if (h !== dh[1]) { others += c; } });
            hourly.counts[dh[1]] = Math.max(0, fig.new_today - others);
        }
        return {counts: hourly.counts, hour: dh[1]};
    }

    // -- drawing --------------------------------------------------------------------------------------
    function size(id) {
        var box = document.getElementById(id);
        var chart = box && box.querySelector(".wtrend-chart");
        var r = (chart || box) ? (chart || box).getBoundingClientRect() : null;
        return [Math.max(40, Math.round(r ? r.width : 400)), Math.max(20, Math.round(r ? r.height : 100))];
    }
    function image(svg) { return "url(\"data:image/svg+xml," + encodeURIComponent(svg) + "\")"; }
    function lineChart(values, wh, colour) {
        var w = wh[0], h = wh[1], pad = h * 0.08, known = values.filter(function (v) { return !isNaN(v); });
        if (known.length < 2) { return null; }
        var lo = Math.min.apply(null, known), hi = Math.max.apply(null, known);
        if (hi - lo < 1e-6) { lo -= 1; hi += 1; }
        var x = function (i) { return (i / (values.length - 1)) * w; };
        var y = function (v) { return pad + (1 - (v - lo) / (hi - lo)) * (h - 2 * pad); };
        var line = "", area = "", start = null, lastX = 0;
        values.forEach(function (v, i) {
            if (isNaN(v)) { return; }
            line += (start === null ? "M" : "L") + x(i).toFixed(1) + " " + y(v).toFixed(1);
            if (start === null) { start = x(i); }
            lastX = x(i);
        });
        area = line + "L" + lastX.toFixed(1) + " " + h + "L" + start.toFixed(1) + " " + h + "Z";
        var stroke = Math.max(2, h / 28);
        return "<svg xmlns='http://www.w3.org/2000/svg' width='" + w + "' height='" + h + "' viewBox='0 0 " + w + " " + h + "'>" +
            "<path d='" + area + "' fill='" + colour + "' fill-opacity='0.18'/>" +
            "<path d='" + line + "' fill='none' stroke='" + colour + "' stroke-width='" + stroke.toFixed(1) +
            "' stroke-linejoin='round' stroke-linecap='round'/></svg>";
    }
    function barChart(counts, current, wh, colour) {
        var w = wh[0], h = wh[1], most = Math.max.apply(null, counts.concat([1])), slot = w / 24, gap = slot * 0.22;
        var bars = counts.map(function (c, i) {
            if (i > current) { return ""; }
            var bh = Math.max(c ? 2 : 0, (c / most) * h * 0.92);
            return "<rect x='" + (i * slot + gap / 2).toFixed(1) + "' y='" + (h - bh).toFixed(1) + "' width='" +
                (slot - gap).toFixed(1) + "' height='" + bh.toFixed(1) + "' rx='" + (slot * 0.12).toFixed(1) +
                "' fill='" + colour + "' fill-opacity='" + (i === current ? 1 : 0.55) + "'/>";
        }).join("");
        return "<svg xmlns='http://www.w3.org/2000/svg' width='" + w + "' height='" + h + "'>" + bars + "</svg>";
    }
    function trend(id, svg, now, unit, left, right, cfg) {
        var pic = svg ? image(svg) : "none";
        var key = pic + now + unit;
        if (drawn[id] === key) { return nu(); }
        drawn[id] = key;
        return [
            el("Div", {className: "wtrend-now", children: [now, el("Span", {className: "wtrend-unit", children: unit})]}),
            el("Div", {className: "wtrend-chart" + (svg ? "" : " is-empty"), style: {backgroundImage: pic},
                       children: svg ? "" : label(cfg, "wall.trend.collecting")}),
            el("Div", {className: "wtrend-axis", children: [el("Span", {children: left}), el("Span", {children: right})]})
        ];
    }

    // The server's last two hours (wall snapshot "recent": [[minute since the epoch, value]]), laid into
    // the rings where the browser has nothing of its own for that minute: a reloaded or rebooted wall
    // draws its two hours at once.
    var seeded = null;
    Ring.prototype.seed = function (pairs) {
        var self = this;
        (pairs || []).forEach(function (p) {
            var key = Number(p[0]), slot = key % CAPACITY;
            if (self.keys[slot] !== key && p[1] !== null && p[1] !== undefined) {
                self.keys[slot] = key;
                self.values[slot] = Number(p[1]);
            }
        });
    };
    function seed(snapshot) {
        var recent = snapshot && !Array.isArray(snapshot) ? snapshot.recent : null;
        if (!recent || recent === seeded) { return; }
        seeded = recent;
        rings.ci.seed(recent.ci);
        rings.aqi.seed(recent.aqi);
    }

    function renderTrends(fig, snapshotHourly, cfg) {
        if (!cfg) { return [nu(), nu(), nu()]; }
        var now = Date.now();
        if (!rings) { rings = {ci: new Ring("ci"), aqi: new Ring("aqi")}; }
        seed(snapshotHourly);
        if (fig) {
            rings.ci.add(now, fig.city_ci);
            rings.aqi.add(now, fig.city_aqi);
        }
        var pal = cfg.palette, level = function (steps, v) {
            var lv = null;
            (steps || []).forEach(function (s) { if (v >= s[0] - 1e-9) { lv = s[1]; } });
            return lv;
        };
        var h = hourlyCounts(snapshotHourly, fig, cfg, new Date(now));
        var ciSeries = rings.ci.series(now), aqiSeries = rings.aqi.series(now);
        var ci = fig && fig.city_ci !== null && fig.city_ci !== undefined ? Number(fig.city_ci) : null;
        var ciColour = pal.congestion[level(cfg.ci_levels, ci) || "unknown"] || "#3ba4ff";
        var aqiColour = pal.aqi[(fig && fig.aqi_level) || "unknown"] || "#3ba4ff";
        return [
            trend("wall-trend-hourly", barChart(h.counts, h.hour, size("wall-trend-hourly"), "#3ba4ff"),
                  String(h.counts[h.hour]), label(cfg, "wall.trend.this_hour"), "0:00", h.hour ? h.hour + ":00" : "", cfg),
            trend("wall-trend-ci", lineChart(ciSeries, size("wall-trend-ci"), ciColour),
                  ci === null ? "–" : ci.toFixed(1), "", span(ciSeries, cfg), "", cfg),
            trend("wall-trend-aqi", lineChart(aqiSeries, size("wall-trend-aqi"), aqiColour),
                  fig && fig.city_aqi !== null && fig.city_aqi !== undefined ? String(fig.city_aqi) : "–", "",
                  span(aqiSeries, cfg), "", cfg)
        ];
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.wall = Object.assign(window.dash_clientside.wall || {}, {renderTrends: renderTrends});
})();
