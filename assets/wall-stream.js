/* Every batch of the push relay reaches the video wall, in order (window.dash_clientside.wall.applyQueued).
 *
 * The header's WebSocket hands each batch to Dash as a new value of its `message` prop. When batches
 * come faster than Dash runs callbacks (a busy 4K wall), Dash runs the callback once with the newest
 * value and the ones between are never seen: the page notices the gap and reloads its whole snapshot,
 * which makes it busier still. So the wall also listens to the socket itself and keeps what arrived
 * in a bounded queue; each time the relay's message reaches the wall's inbox, every queued batch is
 * applied in order with the Operations page's own applyBatch (cityops-live.js), not a copy of it.
 */
(function () {
    "use strict";

    var MAX_QUEUED = 1000;               // more than this unapplied: start again from a snapshot
    var Native = window.WebSocket;
    var tap = {socket: null, queue: [], overflow: false};

    function nu() { return window.dash_clientside.no_update; }

    // Only sockets opened while the wall is on screen are listened to; the queue is the newest socket's.
    function Tapped(url, protocols) {
        var ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
        if (document.getElementById("wall-page")) {
            tap.socket = ws;
            tap.queue = [];
            tap.overflow = false;
            ws.addEventListener("message", function (e) {
                if (tap.socket !== ws) { return; }
                if (tap.queue.length >= MAX_QUEUED) { tap.queue = []; tap.overflow = true; return; }
                tap.queue.push(e.data);
            });
        } else {
            tap.socket = null;
        }
        return ws;
    }
    Tapped.prototype = Native.prototype;
    ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { Tapped[k] = Native[k]; });
    window.WebSocket = Tapped;

    // (inbox, segments, stations, incidents, alerts, figures, events, feeds, reload, reloadId) →
    // the 7 stores and the header's live status, as applyBatch returns them, after every queued batch
    function applyQueued(inbox, segments, stations, incidents, alerts, figures, events, feeds, reload, reloadId) {
        var frames = tap.queue.splice(0, tap.queue.length);
        if (tap.overflow) { tap.overflow = false; frames = [JSON.stringify({reset: true})]; }
        if (!tap.socket && inbox && typeof inbox.data === "string") { frames = [inbox.data]; }   // not listened to
        var states = [segments, stations, incidents, alerts, figures, events, feeds];
        var changed = [false, false, false, false, false, false, false], live = nu();
        var apply = window.dash_clientside.cityops.applyBatch, note = window.dash_clientside.wall.noteBatch;
        frames.forEach(function (data) {
            var out = apply({data: data}, states[0], states[1], states[2], states[3], states[4], states[5], states[6],
                            reload, reloadId);
            for (var k = 0; k < 7; k++) {
                if (out[k] !== nu()) { states[k] = out[k]; changed[k] = true; }
            }
            if (out[7] !== nu()) { live = out[7]; }
            note(data);
        });
        return states.map(function (s, k) { return changed[k] ? s : nu(); }).concat([live]);
    }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.wall = Object.assign(window.dash_clientside.wall || {}, {
        applyQueued: applyQueued, _tap: function () { return {queued: tap.queue.length, listening: !!tap.socket}; }
    });
})();
