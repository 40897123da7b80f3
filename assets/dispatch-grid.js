/* Dispatch page: the queue grid's cell functions (window.dashAgGridFunctions, named in
 * layouts/dispatch_queue.py) and its behaviour: the incident in hand (focus a row, or j/k), keeping
 * the rows in view in place when live rows arrive above them, and time left kept current.
 * window.cityopsDispatch is what assets/dispatch-keys.js and dispatch-live.js use.
 */
(function () {
    "use strict";

    var GRID = "disp-grid";
    var CURRENT = "disp-current";
    var state = {grid: null, currentId: null, anchor: null, restoring: false, openTimer: null, restoreTimer: null,
                 keyboardInGrid: false};

    function label(labels, key) { return (labels && labels[key] !== undefined) ? labels[key] : key; }

    // -- time left -------------------------------------------------------------------------------
    function secondsLeft(data) {
        if (!data || !data.open || !data.deadline) { return null; }
        var at = Date.parse(data.deadline);
        return isNaN(at) ? null : Math.round((at - Date.now()) / 1000);
    }

    function duration(seconds, labels, lang) {
        var minutes = Math.max(1, Math.round(Math.abs(seconds) / 60));
        var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
        var sep = lang === "en" ? " " : "";
        var parts = [];
        if (d) { parts.push(d + label(labels, "disp.left.d")); }
        if (h && parts.length < 2) { parts.push(h + label(labels, "disp.left.h")); }
        if (!d && (m || !parts.length)) { parts.push(m + label(labels, "disp.left.m")); }
        return parts.join(sep);
    }

    function formatLeft(seconds, labels, lang) {
        if (seconds === null || seconds === undefined) { return label(labels, "disp.left.none"); }
        var key = seconds < 0 ? "disp.left.overdue" : "disp.left.left";
        return label(labels, key).replace("{t}", duration(seconds, labels, lang));
    }

    function leftClass(seconds) {
        if (seconds === null || seconds === undefined) { return "disp-left disp-left-none"; }
        if (seconds < 0) { return "disp-left disp-left-overdue"; }
        return seconds < 7200 ? "disp-left disp-left-soon" : "disp-left disp-left-ok";
    }

    var timeFormats = {};
    function formatTime(iso, ctx) {
        if (!iso) { return ""; }
        var when = new Date(iso);
        if (isNaN(when.getTime())) { return ""; }
        var en = ctx.lang === "en";
        var key = (ctx.tz || "") + (en ? "|en" : "|zh");
        if (!timeFormats[key]) {   // English: "5 Dec 14:03" (never the ambiguous 12/05); Chinese: "12-05 14:03"
            timeFormats[key] = new Intl.DateTimeFormat("en-GB", {
                timeZone: ctx.tz, month: en ? "short" : "2-digit", day: en ? "numeric" : "2-digit",
                hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
        }
        var p = {};
        timeFormats[key].formatToParts(when).forEach(function (part) { p[part.type] = part.value; });
        if (en) { return p.day + " " + p.month + " " + p.hour + ":" + p.minute; }
        return p.month + "-" + p.day + " " + p.hour + ":" + p.minute;
    }

    function ctxOf(params) { return (params && params.context) || {}; }

    var dagfuncs = window.dashAgGridFunctions = window.dashAgGridFunctions || {};
    dagfuncs.dispSecondsLeft = function (params) { return secondsLeft(params.data); };
    dagfuncs.dispTimeLeft = function (params) {
        var c = ctxOf(params);   // no deadline yet (reported, verified, closed): a quiet dash in the queue
        return params.value === null || params.value === undefined ? "–" : formatLeft(params.value, c.labels, c.lang);
    };
    dagfuncs.dispTimeLeftClass = function (params) { return leftClass(params.value); };
    dagfuncs.dispOverdue = function (params) { var s = secondsLeft(params.data); return s !== null && s < 0; };
    dagfuncs.dispIsCurrent = function (params) {
        return !!params.data && state.currentId !== null && String(params.data.id) === String(state.currentId);
    };
    dagfuncs.dispTime = function (params) { return formatTime(params.value, ctxOf(params)); };

    // -- the incident in hand --------------------------------------------------------------------
    function api() {
        try { return window.dash_ag_grid && document.getElementById(GRID) ? window.dash_ag_grid.getApi(GRID) : null; }
        catch (e) { return null; }
    }

    function markCurrent(id) {
        document.querySelectorAll("#" + GRID + " .ag-row.disp-row-current").forEach(function (el) {
            el.classList.remove("disp-row-current");
        });
        if (id === null) { return; }
        document.querySelectorAll("#" + GRID + " .ag-row[row-id=\"" + id + "\"]").forEach(function (el) {
            el.classList.add("disp-row-current");
        });
    }

    // The page was opened anew (a new grid): nothing in hand yet. Whichever of the grid's events comes
    // first says so: a grid made with its rows already there sends no rowDataUpdated before the person's
    // first click, and that click must not be forgotten at the next update.
    function adopt(grid) {
        if (!grid || state.grid === grid) { return; }
        state.grid = grid;
        state.currentId = null;
        state.goneIndex = null;
        state.anchor = null;
    }

    function open(node) {
        if (!node || !node.data) { return; }
        var id = node.data.id;
        if (String(id) === String(state.currentId)) { return; }
        state.currentId = id;
        state.goneIndex = null;
        state.lastIndex = node.rowIndex;
        markCurrent(String(id));
        clearTimeout(state.openTimer);   // holding a key down opens only where it stops
        state.openTimer = setTimeout(function () {
            window.dash_clientside.set_props(CURRENT, {data: {id: id}});
        }, 120);
    }

    function move(delta) {
        var grid = api();
        if (!grid) { return; }
        adopt(grid);
        var count = grid.getDisplayedRowCount();
        if (!count) { return; }
        var node = state.currentId === null ? null : grid.getRowNode(String(state.currentId));
        var index = node && node.displayed && node.rowIndex !== null ? node.rowIndex + delta
            : (state.goneIndex !== null && state.goneIndex !== undefined)   // the one in hand left the queue:
                ? state.goneIndex + (delta > 0 ? 0 : -1)                     // the next is where it was
                : (delta > 0 ? grid.getFirstDisplayedRowIndex() : grid.getLastDisplayedRowIndex());
        index = Math.max(0, Math.min(count - 1, index));
        var next = grid.getDisplayedRowAtIndex(index);
        grid.ensureIndexVisible(index);
        var focused = grid.getFocusedCell();
        if (focused && document.activeElement && document.activeElement.closest("#" + GRID)) {
            grid.setFocusedCell(index, focused.column);   // the grid has the keyboard: move its focus too
        }
        open(next);
    }

    function toggleSelected() {
        var grid = api();
        var node = grid && state.currentId !== null ? grid.getRowNode(String(state.currentId)) : null;
        if (node && node.selectable !== false) { node.setSelected(!node.isSelected()); }
    }

    // A phone shows what one decides by (priority, title, status, time left); a desk everything.
    var PHONE_HIDDEN = ["code", "category_label", "district_label", "department_label", "reported_at"];
    dagfuncs.dispGridSize = function (params) {
        var phone = window.innerWidth <= 760;
        var operator = !!document.querySelector(".disp-page.is-operator");
        var wanted = PHONE_HIDDEN.filter(function (c) { return phone || c !== "department_label" || !operator; });
        var hidden = {};
        params.api.getColumnState().forEach(function (c) { hidden[c.colId] = !!c.hide; });
        if (wanted.every(function (c) { return hidden[c] === phone; })) { return; }   // already so: nothing
        params.api.setColumnsVisible(wanted, !phone);
        params.api.sizeColumnsToFit();
    };

    dagfuncs.dispCellFocused = function (params) {
        adopt(params.api);
        if (params.rowIndex === null || params.rowIndex === undefined || params.rowPinned) { return; }
        open(params.api.getDisplayedRowAtIndex(params.rowIndex));
    };

    // -- live rows keep the view in place ----------------------------------------------------------
    function viewport() { return document.querySelector("#" + GRID + " .ag-body-viewport"); }

    dagfuncs.dispBodyScroll = function (params) {
        if (state.restoring || params.direction !== "vertical") { return; }
        var vp = viewport();
        if (!vp || vp.scrollTop <= 0) { state.anchor = null; return; }   // at the top: new rows show there
        state.anchor = null;
        for (var i = params.api.getFirstDisplayedRowIndex(); i <= params.api.getLastDisplayedRowIndex(); i++) {
            var node = params.api.getDisplayedRowAtIndex(i);   // the first row in sight, not a buffered one
            if (node && node.rowTop + node.rowHeight > vp.scrollTop) {
                state.anchor = {id: node.id, offset: vp.scrollTop - node.rowTop};
                break;
            }
        }
    };

    // The grid's keyboard focus is by position: when rows arrive above, it would point at another row.
    // (The grid itself does not put it back after new rows: suppressFocusAfterRefresh, layouts/dispatch_queue.py;
    // it would by position, and the row found there would open in the detail, under a form being filled.)
    function keepFocusOnCurrent(grid) {
        var focused = grid.getFocusedCell();
        var node = state.currentId === null ? null : grid.getRowNode(String(state.currentId));
        if (!focused || !node || node.rowIndex === null) { return; }
        var active = document.activeElement;
        var inGrid = !!(active && active.closest && active.closest("#" + GRID));
        var drawnAway = state.keyboardInGrid && (!active || active === document.body);   // its cell was drawn anew
        if (inGrid || drawnAway) {
            if (drawnAway || node.rowIndex !== focused.rowIndex) { grid.setFocusedCell(node.rowIndex, focused.column); }
        } else if (node.rowIndex !== focused.rowIndex) {
            grid.clearFocusedCell();
        }
    }
    // whether the person's keyboard is in the grid (a redrawn cell takes the focus with it, to the body;
    // a click elsewhere, even on plain text, takes it out)
    function keyboardGoesTo(e) {
        state.keyboardInGrid = !!(e.target && e.target.closest && e.target.closest("#" + GRID));
    }
    document.addEventListener("focusin", keyboardGoesTo, true);
    document.addEventListener("pointerdown", keyboardGoesTo, true);

    // The incident in hand left the queue (an action moved it out of the view): the grid must not
    // highlight another row while the detail (which the keys act on) still shows this one. Its focus is
    // cleared; j/↓ then opens the row that took its place.
    function leftTheQueue(grid) {
        if (state.currentId === null || grid.getRowNode(String(state.currentId))) { return; }
        if (state.goneIndex === null || state.goneIndex === undefined) { state.goneIndex = state.lastIndex || 0; }
        var focused = grid.getFocusedCell();
        if (focused) {
            grid.clearFocusedCell();
            var grid_el = document.getElementById(GRID);
            if (document.activeElement && grid_el && grid_el.contains(document.activeElement)) {
                document.activeElement.blur();
            }
        }
    }

    function keepRowsInPlace(grid, anchor) {
        var vp = viewport();
        var node = vp && anchor ? grid.getRowNode(anchor.id) : null;
        if (!node || !node.displayed || node.rowTop === null || node.rowTop === undefined) { return; }
        var target = node.rowTop + anchor.offset;
        if (Math.abs(vp.scrollTop - target) >= 1) { vp.scrollTop = target; }
    }

    dagfuncs.dispRowDataUpdated = function (params) {
        adopt(params.api);
        var anchor = state.anchor;     // taken before anything here moves the view
        state.restoring = true;
        keepFocusOnCurrent(params.api);   // may scroll to the focused row: the anchor below wins
        leftTheQueue(params.api);
        dagfuncs.dispGridSize(params);        // Dash may have laid the columns out anew
        keepRowsInPlace(params.api, anchor);
        markCurrent(state.currentId === null ? null : String(state.currentId));
        clearTimeout(state.restoreTimer);
        state.restoreTimer = setTimeout(function () { state.restoring = false; }, 80);
    };

    // Time left moves on, and with it who is overdue. Row classes are set on the rendered rows directly:
    // redrawing rows would take the keyboard focus out of the grid.
    setInterval(function () {
        var grid = api();
        if (!grid) { return; }
        grid.refreshCells({columns: ["time_left"], force: true, suppressFlash: true});
        document.querySelectorAll("#" + GRID + " .ag-row[row-id]").forEach(function (el) {
            var node = grid.getRowNode(el.getAttribute("row-id"));
            var s = node ? secondsLeft(node.data) : null;
            el.classList.toggle("disp-row-overdue", s !== null && s < 0);
        });
    }, 30000);

    window.cityopsDispatch = {
        move: move, toggleSelected: toggleSelected, formatLeft: formatLeft, leftClass: leftClass,
        current: function () { return state.currentId; },
        clear: function () { state.currentId = null; state.goneIndex = null; markCurrent(null); },
        _state: state
    };
})();
