/* The video wall's life over weeks (window.dash_clientside.wall): the heartbeat (another build on the
 * server → reload, once the server answers; feed health while feeds.health is not pushed), a revoked
 * kiosk link or ended session → the sign-in page, and the relay's state said discreetly, with a slow
 * snapshot poll while it is down. The connection itself is the header's (cityops-live.js).
 */
(function () {
    "use strict";

    var PUSHED_FEEDS_FRESH_MS = 60000;   // feeds.health seen this recently: the heartbeat's copy is not needed
    var leaving = {reload: false};

    function nu() { return window.dash_clientside.no_update; }
    function label(cfg, key, fallback) {
        var labels = (cfg && cfg.labels) || {};
        return labels[key] !== undefined ? labels[key] : (fallback !== undefined ? fallback : key);
    }

    // Reload only when the server answers, so a wall never lands on the browser's error page.
    function reloadWhenServed() {
        if (leaving.reload) { return; }
        leaving.reload = true;
        fetch(window.location.href, {cache: "no-store", redirect: "manual", credentials: "same-origin"})
            .then(function (res) {
                if (res.ok || res.type === "opaqueredirect") { window.location.reload(); } else { leaving.reload = false; }
            })
            .catch(function () { leaving.reload = false; });
    }

    function onBeat(beat, cfg) {
        if (!beat || !cfg) { return nu(); }
        if (beat.build && cfg.build && beat.build !== cfg.build) { reloadWhenServed(); }
        var pushedAt = (window.cityops && window.cityops.wallFeedsPushedAt) || 0;
        return Date.now() - pushedAt < PUSHED_FEEDS_FRESH_MS ? nu() : (beat.feeds || nu());
    }

    // The kiosk link was revoked (or the session ended): the page's own URL now redirects to sign-in.
    function checkAccess(n) {
        fetch(window.location.href, {cache: "no-store", redirect: "manual", credentials: "same-origin"})
            .then(function (res) {
                if (res.type === "opaqueredirect" || res.status === 401 || res.status === 403) { reloadWhenServed(); }
            })
            .catch(function () { /* the server is away: the relay's state says so already */ });
        return n;
    }

    function liveState(live, cfg, mode) {
        if (mode === "poll") { return [false, "", "wall-live is-poll"]; }
        var status = (live && live.status) || "idle";
        if (status === "live") { return [true, label(cfg, "live.live"), "wall-live is-live"]; }   // a labelled dot
        if (status === "paused" || status === "resetting") {
            return [false, label(cfg, "live.paused"), "wall-live is-paused"];
        }
        return [nu(), label(cfg, "live.connecting"), "wall-live is-" + status];
    }

    function pollTick(_n, reload) { return (reload || 0) + 1; }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.wall = Object.assign(window.dash_clientside.wall || {}, {
        onBeat: onBeat, checkAccess: checkAccess, liveState: liveState, pollTick: pollTick
    });
})();
