/* Dispatch page: merge and reject are final, so they are confirmed and can be undone.
 * A button with data-undo-text does not act on the first click: a merge button first turns into its
 * confirmation (data-confirm-text), then, like reject's submit, starts a short countdown in a bar with
 * an Undo button (data-undo-label); only when the countdown ends is the real click passed to the page.
 * Undo (or Esc) drops it: nothing was sent. Texts come from the server in the screen's language.
 */
(function () {
    "use strict";

    var UNDO_MS = 6000;
    var pending = null;

    function barEl() {
        var bar = document.getElementById("disp-undo");
        if (!bar) {
            bar = document.createElement("div");
            bar.id = "disp-undo";
            bar.className = "disp-undo";
            bar.setAttribute("role", "status");
            bar.setAttribute("aria-live", "assertive");
            document.body.appendChild(bar);
        }
        return bar;
    }

    function hideBar() {
        var bar = document.getElementById("disp-undo");
        if (bar) { bar.remove(); }
    }

    function undo() {
        if (!pending) { return; }
        clearTimeout(pending.timer);
        clearInterval(pending.tick);
        pending = null;
        hideBar();
    }

    function fire() {
        var p = pending;
        clearInterval(p.tick);
        pending = null;
        hideBar();
        // the detail may have been redrawn meanwhile: the same button (same id) in the page now
        var button = document.contains(p.button) ? p.button : (p.button.id && document.getElementById(p.button.id));
        if (!button) { return; }
        button.setAttribute("data-go", "1");
        button.click();
    }

    function start(button) {
        var seconds = Math.round(UNDO_MS / 1000);
        var bar = barEl();
        bar.innerHTML = "";
        var text = document.createElement("span");
        text.className = "disp-undo-text";
        var count = document.createElement("span");
        count.className = "disp-undo-count";
        var undoButton = document.createElement("button");
        undoButton.type = "button";
        undoButton.className = "disp-btn disp-undo-button";
        undoButton.textContent = button.getAttribute("data-undo-label") || "Undo";
        undoButton.addEventListener("click", undo);
        text.textContent = button.getAttribute("data-undo-text") || "";
        bar.appendChild(text);
        bar.appendChild(count);
        bar.appendChild(undoButton);
        var left = seconds;
        count.textContent = " " + left + " s";
        pending = {button: button, timer: setTimeout(fire, UNDO_MS), tick: setInterval(function () {
            left = Math.max(0, left - 1);
            count.textContent = " " + left + " s";
        }, 1000)};
        undoButton.focus();
    }

    document.addEventListener("click", function (e) {
        var button = e.target && e.target.closest && e.target.closest("[data-undo-text]");
        if (!button) { return; }
        if (button.getAttribute("data-go") === "1") {      // the countdown ended: let the page have it
            button.removeAttribute("data-go");
            return;
        }
        e.preventDefault();
        e.stopImmediatePropagation();
        var confirm = button.getAttribute("data-confirm-text");
        if (confirm && !button.classList.contains("is-armed")) {
            button.classList.add("is-armed");
            button.setAttribute("data-label", button.textContent);
            button.textContent = confirm;
            return;
        }
        if (pending) { return; }
        if (confirm) {
            button.classList.remove("is-armed");
            button.textContent = button.getAttribute("data-label") || button.textContent;
        }
        start(button);
    }, true);

    document.addEventListener("keydown", function (e) {
        if (pending && (e.key === "Escape" || e.key === "u")) {
            e.preventDefault();
            e.stopImmediatePropagation();
            undo();
        }
    }, true);

    window.cityopsUndo = {pending: function () { return !!pending; }, undo: undo};
})();

/* The usual reasons under a reason field: a tap puts the text in the field (as if typed, so the page
 * sees it), after what is there already; the person can still write their own. */
(function () {
    "use strict";
    var setValue = Object.getOwnPropertyDescriptor(window.HTMLTextAreaElement.prototype, "value").set;
    document.addEventListener("click", function (e) {
        var chip = e.target && e.target.closest && e.target.closest(".disp-reason-chip");
        if (!chip) { return; }
        e.preventDefault();
        var box = chip.closest(".disp-form") && chip.parentElement.parentElement.querySelector("textarea");
        if (!box) { return; }
        var text = chip.getAttribute("data-reason") || "";
        var sep = /[\u4e00-\u9fff]/.test(text) ? "；" : "; ";
        var now = box.value ? box.value.replace(/\s+$/, "") + sep + text : text;
        setValue.call(box, now);
        box.dispatchEvent(new Event("input", {bubbles: true}));
        box.focus();
    });
})();
