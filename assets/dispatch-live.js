/* Dispatch page client-side callbacks (window.dash_clientside.dispatch): the live stream (which
 * incidents changed; the server fetches them, scoped), saved views, filters, action forms, time
 * left in the detail, the bulk bar. Labels come from the page's config store (dashboard.i18n).
 */
(function () {
    "use strict";

    function noUpdate() { return window.dash_clientside.no_update; }
    function many(n) { var out = []; for (var i = 0; i < n; i++) { out.push(noUpdate()); } return out; }
    function label(cfg, key) { var l = (cfg && cfg.labels) || {}; return l[key] !== undefined ? l[key] : key; }

    // Each change makes the server run the queue's query again: at most once a second per page, with
    // every id seen meanwhile (a busy city sends several batches a second).
    var pending = {ids: [], timer: null, last: 0};
    function changedAtMostEverySecond(ids) {
        ids.forEach(function (id) { if (pending.ids.indexOf(id) < 0) { pending.ids.push(id); } });
        if (pending.timer) { return noUpdate(); }
        var wait = pending.last + 1000 - Date.now();
        if (wait <= 0) { return flush(); }
        pending.timer = setTimeout(function () {
            if (document.getElementById("disp-changed")) {
                window.dash_clientside.set_props("disp-changed", {data: flush()});
            } else {
                flush();   // the page was left meanwhile
            }
        }, wait);
        return noUpdate();
    }
    function flush() {
        var data = {ids: pending.ids, at: Date.now()};
        pending.ids = [];
        pending.timer = null;
        pending.last = Date.now();
        return data;
    }

    // -- the live stream ---------------------------------------------------------------------------
    // → [changed, header live state, reload, stale banner class, stale banner text]
    function onBatch(message, cfg, viewing, reload) {
        var out = many(5);
        var live = window.dash_clientside.cityops;
        var taken = cfg && live && live.takeBatch ? live.takeBatch(message) : null;
        if (!taken) { return out; }
        if (taken.live) { out[1] = taken.live; }
        if (taken.reset) {
            out[2] = (reload || 0) + 1;          // reload the queue; it reconnects from there
            return out;
        }
        var ids = [], versions = {};
        taken.messages.forEach(function (m) {
            var d = m.data || {};
            var id = m.topic === "incident.changed" ? d.id
                : (m.topic === "incident.upsert" && d.properties ? d.properties.id : null);
            if (id === null || id === undefined) { return; }
            if (ids.indexOf(id) < 0) { ids.push(id); }
            if (m.topic === "incident.changed") { versions[id] = Math.max(versions[id] || 0, d.version || 0); }
        });
        noticeNewWork(taken.messages, cfg);
        if (!ids.length) { return out; }
        out[0] = changedAtMostEverySecond(ids);   // only ids: the server fetches what this person may see
        var newer = viewing && versions[viewing.id];
        if (newer && newer > viewing.version) {
            out[3] = "disp-stale";
            out[4] = label(cfg, "disp.stale").replace("{v}", newer);
        }
        return out;
    }

    // An operator is told when a case is dispatched to their department (the row arrives in the queue
    // too; a tap on the notice dismisses it).
    var fresh = 0;
    function noticeNewWork(messages, cfg) {
        if (!cfg || cfg.role !== "operator" || !cfg.department) { return; }
        var n = 0;
        messages.forEach(function (m) {
            var d = m.data || {};
            if (m.topic === "incident.changed" && d.status === "dispatched" && d.department === cfg.department &&
                (d.action === "dispatch" || d.action === "reassign")) { n += 1; }
        });
        if (!n || !document.getElementById("disp-notice")) { return; }
        fresh += n;
        window.dash_clientside.set_props("disp-notice", {
            children: label(cfg, "disp.notice.dispatched").replace("{n}", fresh), className: "disp-notice is-shown"});
    }
    document.addEventListener("click", function (e) {
        var note = e.target && e.target.closest && e.target.closest("#disp-notice.is-shown");
        if (!note) { return; }
        fresh = 0;
        window.dash_clientside.set_props("disp-notice", {children: "", className: "disp-notice"});
    });

    // -- saved views (per user, in localStorage) and filters -----------------------------------------
    var FILTER_KEYS = ["status", "category", "district", "department", "priority", "source", "overdue", "text"];

    function mine(views, cfg) { return ((views || {})[cfg.user] || []).slice(); }

    function viewOptions(views, picked, cfg) {
        if (!cfg) { return [noUpdate(), noUpdate()]; }
        var options = (cfg.builtin || []).map(function (v, i) { return {label: label(cfg, v.key), value: "builtin:" + i}; });
        mine(views, cfg).forEach(function (v) { options.push({label: "★ " + v.name, value: "user:" + v.name}); });
        var deletable = typeof picked === "string" && picked.indexOf("user:") === 0;
        return [options, "disp-btn disp-btn-quiet" + (deletable ? "" : " disp-hidden")];
    }

    function viewFilters(picked, views, cfg) {
        if (typeof picked !== "string") { return null; }
        if (picked.indexOf("builtin:") === 0) {
            var builtin = (cfg.builtin || [])[Number(picked.slice(8))];
            return builtin ? builtin.filters : null;
        }
        var name = picked.slice(5);
        var found = mine(views, cfg).filter(function (v) { return v.name === name; })[0];
        return found ? found.filters : null;
    }

    function filterValues(filters) {
        return FILTER_KEYS.map(function (k) {
            var v = filters[k];
            if (k === "text") { return v || ""; }
            return v === undefined || v === null ? [] : v;
        });
    }

    function applyView(picked, views, cfg) {
        var filters = cfg && viewFilters(picked, views, cfg);
        return filters ? filterValues(filters) : many(FILTER_KEYS.length);
    }

    function saveView(_save, _delete, name, picked, views, cfg) {
        var values = Array.prototype.slice.call(arguments, 6);
        var trigger = window.dash_clientside.callback_context.triggered_id;
        var all = Object.assign({}, views || {});
        var list = mine(views, cfg);
        if (trigger === "disp-view-delete") {
            if (typeof picked !== "string" || picked.indexOf("user:") !== 0) { return many(3); }
            all[cfg.user] = list.filter(function (v) { return v.name !== picked.slice(5); });
            return [all, noUpdate(), null];
        }
        name = (name || "").trim();
        if (!name) { return many(3); }
        var filters = {};
        FILTER_KEYS.forEach(function (k, i) { filters[k] = values[i]; });
        all[cfg.user] = list.filter(function (v) { return v.name !== name; }).concat([{name: name, filters: filters}]);
        return [all, "", "user:" + name];
    }

    // phones: back from the case to the queue (the grid forgets it, so a tap opens it again)
    function closeDetail(n) {
        if (!n) { return noUpdate(); }
        if (window.cityopsDispatch && window.cityopsDispatch.clear) { window.cityopsDispatch.clear(); }
        return null;
    }

    function clearFilters() { return filterValues({}).concat([null]); }

    // The view in force → a cookie the server reads when it builds the page next time (a reload, or
    // coming back from another page), so the person finds the queue as they left it.
    function rememberView(picked) {
        var values = Array.prototype.slice.call(arguments, 1, 1 + FILTER_KEYS.length);
        var cfg = arguments[1 + FILTER_KEYS.length];
        if (!cfg || !cfg.user) { return noUpdate(); }
        var filters = {};
        FILTER_KEYS.forEach(function (k, i) { filters[k] = values[i]; });
        var data = {user: cfg.user, view: typeof picked === "string" ? picked : null, filters: filters};
        document.cookie = "cityops-disp-view=" + encodeURIComponent(JSON.stringify(data)) +
            "; path=/; max-age=31536000; SameSite=Lax";   // the page's layout is fetched from /_dash-…
        return data;
    }

    // -- the detail --------------------------------------------------------------------------------
    // The form's first field gets the keyboard. A department picker is opened on its search box, so
    // typing (an IME's too) searches the departments at once, without a click first.
    function focusForm() {
        // Frame by frame rather than after a fixed delay: the form opens on the next render, and the
        // keyboard should be on its search box as soon as it shows (a quick typist starts at once).
        var frames = 0, clicked = null;
        (function step() {
            var form = document.querySelector(".disp-form.is-open");
            var first = form && form.querySelector("input:not([type=hidden]), textarea, .dash-dropdown, button");
            if (first) {
                var wrapper = first.closest(".dash-dropdown-wrapper");
                var picker = wrapper ? wrapper.querySelector("button.dash-dropdown") : null;
                if (!picker) { first.focus(); return; }
                var box = form.querySelector(".dash-dropdown-search");
                if (box) { keepCaretIn(box); return; }
                if (clicked !== picker) { clicked = picker; picker.click(); }
                if (frames > 60) { picker.focus(); return; }
            }
            if (++frames < 90) { window.requestAnimationFrame(step); }
        })();
    }

    // The picker, once open, puts the focus on the department already chosen (the suggested one) a
    // frame later, and what the person types next would not search. Until they point somewhere or press
    // a key that moves (↓, Tab, Esc…), the focus goes back to the search box; typed letters keep it there.
    function keepCaretIn(box) {
        var list = box.closest(".dash-dropdown-content");
        function back(e) {
            if (!document.contains(box)) { stop(); return; }
            if (e.target !== box && list && list.contains(e.target)) { box.focus(); }
        }
        function moved(e) { if (e.type !== "keydown" || e.key.length !== 1) { stop(); } }
        function stop() {
            document.removeEventListener("focusin", back, true);
            document.removeEventListener("keydown", moved, true);
            document.removeEventListener("pointerdown", moved, true);
        }
        document.addEventListener("focusin", back, true);
        document.addEventListener("keydown", moved, true);
        document.addEventListener("pointerdown", moved, true);
        setTimeout(stop, 2000);   // the picker's own move comes within a frame or two
        box.focus();
    }

    function toggleForms(_open, _cancel, formIds) {
        var trigger = window.dash_clientside.callback_context.triggered_id;
        var opening = trigger && trigger.type === "disp-open" ? trigger.action : null;
        if (opening) { focusForm(); }
        return (formIds || []).map(function (fid) {
            return "disp-form" + (fid.action === opening ? " is-open" : "");
        });
    }

    function timeLeft(viewing, _tick, cfg) {
        if (!viewing || !viewing.open || !viewing.deadline || !window.cityopsDispatch) { return ["", "disp-time-left"]; }
        var seconds = Math.round((Date.parse(viewing.deadline) - Date.now()) / 1000);
        var text = window.cityopsDispatch.formatLeft(seconds, cfg && cfg.labels, cfg && cfg.lang);
        return [text, "disp-time-left " + window.cityopsDispatch.leftClass(seconds)];
    }

    function reloadDetail(n, refresh) { return n ? (refresh || 0) + 1 : noUpdate(); }

    // -- bulk dispatch -------------------------------------------------------------------------------
    function bulkBar(selected, cfg) {
        var n = (selected || []).length;
        return ["disp-bulk" + (n ? "" : " is-idle"), label(cfg, "disp.bulk.selected").replace("{n}", n)];
    }

    // A row transaction from the server (callbacks/dispatch.py refresh_rows), applied to the grid here so
    // that only what still fits is applied: a whole reload (new filters, a reset) may have replaced the
    // rows since the server read the index it was made from. Then the index is read back from the grid.
    function applyRows(message) {
        var grid = null;
        try { grid = dash_ag_grid.getApi("disp-grid"); } catch (e) { grid = null; }
        if (!grid || !message || !message.tx) { return noUpdate(); }
        var filtersNow = Array.prototype.slice.call(arguments, 1);
        if (JSON.stringify(filtersNow) === JSON.stringify(message.filters)) {
            var tx = message.tx;
            var has = function (id) { return !!grid.getRowNode(String(id)); };
            var update = [], add = [];
            (tx.add || []).concat(tx.update || []).forEach(function (row) {
                (has(row.row_id) ? update : add).push(row);
            });
            var remove = (tx.remove || []).filter(function (row) { return has(row.row_id); });
            if (add.length || update.length || remove.length) {
                grid.applyTransaction({add: add, update: update, remove: remove});
            }
        }
        var index = {};
        grid.forEachNode(function (node) {
            var d = node.data;
            if (d) { index[String(d.id)] = d.dup_label ? [d.version, d.dup_label] : d.version; }
        });
        return index;
    }

    function clearSelection(n) { return n ? [true, []] : [noUpdate(), noUpdate()]; }
    function dismissReport(n) { return n ? [] : noUpdate(); }

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.dispatch = {
        onBatch: onBatch, viewOptions: viewOptions, applyView: applyView, saveView: saveView,
        clearFilters: clearFilters, rememberView: rememberView, closeDetail: closeDetail, toggleForms: toggleForms, timeLeft: timeLeft, reloadDetail: reloadDetail,
        bulkBar: bulkBar, clearSelection: clearSelection, dismissReport: dismissReport, applyRows: applyRows
    };
})();
