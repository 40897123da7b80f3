/* Dispatch page keyboard: ↑↓ or j/k move in the queue (the row opens), a letter runs the action
 * whose button shows it (v verify, d dispatch, a accept, f report fixed, c close, …: the keys are
 * on the buttons and in the help line, layouts/dispatch_actions.py), x selects the row for bulk
 * dispatch, / searches, Ctrl+Enter submits the open form, Esc closes it.
 * Keys typed into a field stay in the field.
 */
(function () {
    "use strict";

    function typingIn(el) {
        if (!el || el === document.body) { return false; }
        if (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) { return true; }
        return !!(el.closest && el.closest(".dash-dropdown, [role=combobox], [role=listbox], [role=dialog] .disp-select"));
    }

    function openForm() { return document.querySelector("#disp-actions .disp-form.is-open"); }

    function clickAction(key) {
        var button = document.querySelector("#disp-actions .disp-action-buttons [data-key=\"" + key + "\"]:not([disabled])");
        if (!button) { return false; }
        button.click();
        return true;
    }

    function onKey(e) {
        if (!document.getElementById("disp-page") || e.isComposing) { return; }
        var target = e.target;
        if (e.key === "Escape") {
            var form = openForm();
            if (form && !e.defaultPrevented) {
                var cancel = form.querySelector(".disp-cancel");
                if (cancel) { cancel.click(); }
                if (document.activeElement && form.contains(document.activeElement)) { document.activeElement.blur(); }
            }
            return;
        }
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            var submit = openForm() && openForm().querySelector(".disp-submit");
            if (submit) { e.preventDefault(); submit.click(); }
            return;
        }
        if (typingIn(target) || e.ctrlKey || e.metaKey || e.altKey) { return; }
        var nav = window.cityopsDispatch;
        var inGrid = !!(target && target.closest && target.closest("#disp-grid"));
        var handled = true;
        switch (e.key) {
            case "j": nav.move(1); break;
            case "k": nav.move(-1); break;
            case "ArrowDown": if (inGrid) { return; } nav.move(1); break;     // in the grid, the grid moves
            case "ArrowUp": if (inGrid) { return; } nav.move(-1); break;
            case "x": nav.toggleSelected(); break;
            case "/": var search = document.querySelector("#disp-f-text"); if (search) { search.focus(); } break;
            default: handled = e.key.length === 1 && clickAction(e.key.toLowerCase());
        }
        if (handled) { e.preventDefault(); }
    }

    // One click per action button: a double click (or a key held down) would otherwise send the same
    // action twice, and the second would meet the first as a conflict. The detail then shows new buttons.
    var clicked = new WeakMap();
    function onceInAWhile(e) {
        var button = e.target && e.target.closest && e.target.closest("#disp-actions .disp-action-buttons button, " +
                                                                      "#disp-actions .disp-submit, #disp-detail .disp-merge");
        if (!button) { return; }
        var last = clicked.get(button) || 0;
        if (Date.now() - last < 1500) { e.stopPropagation(); e.preventDefault(); return; }
        clicked.set(button, Date.now());
    }

    document.addEventListener("keydown", onKey);
    document.addEventListener("click", onceInAWhile, true);
})();
