/* CityOps field work (issue 18): the phone pages of inspectors (report, my reports, checks) and crews
 * (my tasks). Drawn from the field API (/api/v1/field/…). Every action and its photos go into an outbox in
 * IndexedDB first and are sent from there in order, each with its own Idempotency-Key, so an action done
 * in a tunnel is sent once the phone is back online — exactly once, even if an answer is lost.
 * Runs only when the page's frame (#field-root) is on screen.
 */
(function () {
    "use strict";

    var DB_NAME = "cityops-field", OUTBOX = "outbox", RETRY_MS = 4000, RELOAD_MS = 30000;
    var S = null;   // the page's state while #field-root is mounted

    // -- small helpers -------------------------------------------------------------------------
    function h(tag, attrs, children) {
        var el = document.createElement(tag);
        Object.keys(attrs || {}).forEach(function (k) {
            var v = attrs[k];
            if (v === null || v === undefined || v === false) { return; }
            if (k === "text") { el.textContent = v; } else if (k.slice(0, 2) === "on") { el.addEventListener(k.slice(2), v); }
            else { el.setAttribute(k, v === true ? "" : v); }
        });
        (children || []).forEach(function (c) {
            if (c === null || c === undefined || c === false) { return; }
            el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
        });
        return el;
    }
    function L(key, vars) {
        var text = (S && S.labels[key]) || key;
        Object.keys(vars || {}).forEach(function (k) { text = text.replace("{" + k + "}", vars[k]); });
        return text;
    }
    function csrf() {
        var m = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]+)/);
        return m ? decodeURIComponent(m[1]) : "";
    }
    function newKey() {
        var a = new Uint8Array(12);
        (window.crypto || window.msCrypto).getRandomValues(a);
        return "f" + Date.now().toString(36) + "-" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    function catName(code) {
        var c = (S.me && S.me.categories || []).filter(function (x) { return x.code === code; })[0];
        return c ? c.group + " / " + c.name : code;
    }
    function when(iso) {
        if (!iso) { return ""; }
        var d = new Date(iso);
        var opts = {month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false};
        try { return d.toLocaleString(S.lang === "en" ? "en-GB" : "zh-CN", Object.assign({timeZone: S.tz}, opts)); }
        catch (e) { return d.toLocaleString(S.lang === "en" ? "en-GB" : "zh-CN", opts); }   // an unknown zone
    }

    // -- the outbox (IndexedDB) ------------------------------------------------------------------
    function db() {
        if (S.db) { return S.db; }
        S.db = new Promise(function (resolve, reject) {
            var req = indexedDB.open(DB_NAME, 1);
            req.onupgradeneeded = function () { req.result.createObjectStore(OUTBOX, {keyPath: "seq", autoIncrement: true}); };
            req.onsuccess = function () { resolve(req.result); };
            req.onerror = function () { reject(req.error); };
        });
        return S.db;
    }
    function tx(mode, fn) {
        return db().then(function (d) {
            return new Promise(function (resolve, reject) {
                var t = d.transaction(OUTBOX, mode), store = t.objectStore(OUTBOX), out = fn(store);
                t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
                t.onerror = function () { reject(t.error); };
            });
        });
    }
    function outboxAll() { return tx("readonly", function (s) { return s.getAll(); }); }
    function outboxPut(item) { return tx("readwrite", function (s) { return s.put(item); }); }
    function outboxDelete(seq) { return tx("readwrite", function (s) { return s.delete(seq); }); }

    function enqueue(item) {
        item.key = newKey();
        item.user = S.user;
        item.created = new Date().toISOString();
        item.state = "waiting";
        return outboxPut(item).then(function () { return refreshOutbox(); }).then(flush);
    }
    function refreshOutbox() {
        return outboxAll().then(function (items) {
            S.outbox = items.filter(function (i) { return i.user === S.user; });
            renderStatus();
            return S.outbox;
        });
    }

    function send(item) {
        var form = new FormData();
        form.append("payload", JSON.stringify(item.fields || {}));
        (item.files || []).forEach(function (f) { form.append(f.field, f.blob, f.name || "photo.jpg"); });
        return fetch(item.url, {method: "POST", body: form, credentials: "same-origin",
                                headers: {"Idempotency-Key": item.key, "X-CSRFToken": csrf()}});
    }

    function flush() {
        if (!S || S.sending) { return Promise.resolve(); }
        var waiting = (S.outbox || []).filter(function (i) { return i.state === "waiting"; });
        if (!waiting.length) { return Promise.resolve(); }
        S.sending = true;
        renderStatus();
        var next = function (i) {
            if (!S || i >= waiting.length) { return Promise.resolve(); }
            var item = waiting[i];
            return send(item).then(function (resp) {
                return resp.json().catch(function () { return {}; }).then(function (body) {
                    if (resp.ok) {
                        return outboxDelete(item.seq).then(function () {
                            S.sent = (S.sent || 0) + 1;
                            absorb(body);
                            return next(i + 1);
                        });
                    }
                    if (resp.status >= 500 || (resp.status === 409 && body.error && body.error.in_progress) || resp.status === 401) {
                        throw new Error("retry later");   // the server or the session: try again, in order
                    }
                    item.state = "problem";
                    item.error = (body.error && body.error.message) || String(resp.status);
                    item.changes = body.error && body.error.changes;
                    item.status = resp.status;
                    return outboxPut(item).then(function () { return next(i + 1); });
                });
            });
        };
        return next(0).catch(function () { S && (S.retry = true); }).then(function () {
            if (!S) { return; }
            S.sending = false;
            return refreshOutbox().then(function () { return load(); });
        });
    }

    function absorb(view) {
        // an answer of the server replaces the phone's idea of that case
        if (!view || !view.id) { return; }
        ["tasks", "reports"].forEach(function (k) {
            S.data[k] = (S.data[k] || []).map(function (x) { return x.id === view.id ? Object.assign({}, x, view, {pending: false}) : x; });
        });
    }

    // -- loading ---------------------------------------------------------------------------------
    function getJSON(url) {
        return fetch(url, {credentials: "same-origin"}).then(function (r) {
            if (!r.ok) { throw new Error(String(r.status)); }
            return r.json();
        });
    }
    function load() {
        if (!S || !navigator.onLine) { return Promise.resolve(); }
        var here = S.here ? "?lon=" + S.here[0] + "&lat=" + S.here[1] : "";
        var asks = [getJSON("/api/v1/field/tasks" + here).then(function (b) { S.data.tasks = b.items; })];
        if (S.role === "inspector") {
            asks.push(getJSON("/api/v1/field/reports").then(function (b) { S.data.reports = b.items; }));
        }
        S.loadedAt = Date.now();
        return Promise.all(asks).then(function () { applyPending(); if (!S.open && !typing()) { render(); } })
            .catch(function () { render(); });
    }
    function typing() {
        var el = document.activeElement;
        return !!(el && S.root.contains(el) && /^(INPUT|TEXTAREA)$/.test(el.tagName));
    }
    function applyPending() {
        // what is still in the outbox shows on its case as waiting, with the state it will have
        (S.outbox || []).forEach(function (item) {
            if (!item.incident || item.state !== "waiting") { return; }   // a refused one: the server's state stands
            (S.data.tasks || []).forEach(function (t) {
                if (t.id === item.incident && item.expect) { Object.assign(t, item.expect, {pending: true}); }
            });
        });
    }

    // -- rendering -------------------------------------------------------------------------------
    function renderStatus() {
        var el = document.getElementById("field-status");
        if (!el || !S) { return; }
        var waiting = (S.outbox || []).filter(function (i) { return i.state === "waiting"; });
        var problems = (S.outbox || []).filter(function (i) { return i.state === "problem"; });
        el.className = "field-status " + (navigator.onLine ? "is-online" : "is-offline");
        el.setAttribute("data-sent", String(S.sent || 0));   // sent since the page opened (tests wait on it)
        el.replaceChildren(
            h("span", {"class": "field-dot"}),
            h("span", {"class": "field-net", text: navigator.onLine ? L("fld.online") : L("fld.offline")}),
            waiting.length ? h("span", {"class": "field-waiting", "data-waiting": String(waiting.length),
                                        text: (S.sending ? L("fld.sending") + " " : "") + L("fld.waiting", {n: waiting.length})})
                           : h("span", {"class": "field-waiting", "data-waiting": "0", text: L("fld.all_sent")}));
        if (waiting.length) {
            el.appendChild(h("ul", {"class": "field-waiting-list"}, waiting.map(function (i) { return h("li", {text: i.label}); })));
        }
        problems.forEach(function (item) {
            el.appendChild(h("div", {"class": "field-problem", role: "alert"}, [
                h("b", {text: L("fld.problem") + " · " + item.label}),
                h("div", {text: item.status === 409 && item.changes ? L("fld.conflict") + ":" : item.error}),
                item.changes ? h("ul", {}, item.changes.map(function (c) {
                    return h("li", {text: "v" + c.version + " · " + c.actor + " · " + L("disp.action." + c.action) + " → " + L("fld.status." + c.to_status)
                                          + (c.reason ? " · " + c.reason : "")});
                })) : null,
                h("button", {"class": "field-btn", type: "button", text: L("fld.discard"), onclick: function () {
                    outboxDelete(item.seq).then(refreshOutbox).then(load);
                }}),
            ]));
        });
    }

    function tabsFor() {
        return S.role === "inspector" ? ["report", "mine", "verify"] : ["tasks"];
    }
    function render() {
        if (!S) { return; }
        var nav = document.getElementById("field-tabs"), main = document.getElementById("field-main");
        if (!nav || !main) { return; }
        if (!S.tab) { S.tab = tabsFor()[0]; }
        nav.replaceChildren.apply(nav, tabsFor().map(function (t) {
            return h("button", {type: "button", "class": "field-tab" + (S.tab === t ? " is-active" : ""), "data-tab": t,
                                "aria-pressed": S.tab === t ? "true" : "false", text: L("fld.tab." + t),
                                onclick: function () { S.tab = t; render(); load(); }});
        }));
        var view = {report: viewReport, mine: viewMine, verify: viewVerify, tasks: viewTasks}[S.tab]();
        main.replaceChildren(view);
        renderStatus();
    }

    function thumbs(items, stages) {
        var shown = (items || []).filter(function (e) { return !stages || stages.indexOf(e.stage) >= 0; });
        return h("div", {"class": "field-thumbs"}, shown.map(function (e) {
            return h("figure", {"class": "field-thumb"}, [
                h("img", {src: e.thumb_url, alt: L("fld.stage." + e.stage), loading: "lazy"}),
                h("figcaption", {text: L("fld.stage." + e.stage) + (e.flags && e.flags.length ? " ⚠" : "")}),
            ]);
        }));
    }
    function statusChip(v) {
        return h("span", {"class": "field-chip field-chip-" + v.status, text: L("fld.status." + v.status)});
    }

    // inspector: report -------------------------------------------------------------------------
    function viewReport() {
        var d = S.draft;
        var search = h("input", {"class": "field-input", type: "search", id: "field-cat-search", placeholder: L("fld.category.search"),
                                 value: d.search || "", "aria-label": L("fld.category")});
        var list = h("div", {"class": "field-cat-list", role: "listbox"});
        function fill() {
            var q = (search.value || "").trim().toLowerCase();
            d.search = search.value;
            var cats = (S.me && S.me.categories || []).filter(function (c) {
                return !q || (c.group + " " + c.name + " " + c.other + " " + c.code).toLowerCase().indexOf(q) >= 0;
            }).slice(0, 40);
            var groups = {};
            cats.forEach(function (c) { (groups[c.group] = groups[c.group] || []).push(c); });
            list.replaceChildren.apply(list, cats.length ? Object.keys(groups).map(function (g) {
                return h("div", {"class": "field-cat-group"}, [h("div", {"class": "field-cat-group-name", text: g})].concat(
                    groups[g].map(function (c) {
                        return h("button", {type: "button", role: "option", "class": "field-cat" + (d.category === c.code ? " is-chosen" : ""),
                                            "data-code": c.code, "aria-selected": d.category === c.code ? "true" : "false", text: c.name,
                                            onclick: function () { d.category = c.code; render(); }});
                    })));
            }) : [h("div", {"class": "field-muted", text: L("fld.category.none")})]);
        }
        search.addEventListener("input", fill);
        fill();
        return h("form", {"class": "field-form", id: "field-report-form", onsubmit: function (ev) { ev.preventDefault(); submitReport(); }}, [
            h("label", {"class": "field-label", text: L("fld.category")}),
            d.category ? h("div", {"class": "field-chosen", id: "field-cat-chosen", text: catName(d.category)}) : null,
            search, list,
            photoPicker(d, "photo", L("fld.photo.take")),
            h("label", {"class": "field-label", text: L("fld.position")}),
            positionBlock(d),
            h("label", {"class": "field-label", "for": "field-desc", text: L("fld.description")}),
            h("textarea", {"class": "field-input", id: "field-desc", rows: "3", placeholder: L("fld.description.placeholder"),
                           oninput: function (ev) { d.description = ev.target.value; }}, [d.description || ""]),
            h("input", {"class": "field-input", id: "field-address", placeholder: L("fld.address"), value: d.address || "",
                        oninput: function (ev) { d.address = ev.target.value; }}),
            d.message ? h("div", {"class": "field-msg", role: "status", text: d.message}) : null,
            h("button", {"class": "field-btn field-btn-primary field-submit", type: "submit", id: "field-report-submit", text: L("fld.submit")}),
        ]);
    }

    function photoPicker(holder, field, label) {
        holder.photos = holder.photos || [];
        var input = h("input", {type: "file", accept: "image/*", capture: "environment", multiple: true, "class": "field-file",
                                "data-field": field, onchange: function (ev) {
            Array.prototype.forEach.call(ev.target.files || [], function (f) {
                holder.photos.push({field: field, blob: f, name: f.name, url: URL.createObjectURL(f)});
            });
            render();
        }});
        return h("div", {"class": "field-photos"}, [
            h("label", {"class": "field-btn field-photo-btn"}, [label, input]),
            h("div", {"class": "field-thumbs"}, holder.photos.filter(function (p) { return p.field === field; }).map(function (p) {
                return h("figure", {"class": "field-thumb"}, [
                    h("img", {src: p.url, alt: label}),
                    h("button", {type: "button", "class": "field-x", "aria-label": L("fld.photo.remove"), text: "×", onclick: function () {
                        holder.photos.splice(holder.photos.indexOf(p), 1); render();
                    }}),
                ]);
            })),
        ]);
    }

    function positionBlock(d) {
        var text = d.lat !== undefined ? d.lat.toFixed(5) + ", " + d.lon.toFixed(5) + (d.accuracy ? " (±" + Math.round(d.accuracy) + " m)" : "")
                                       : (d.locating ? L("fld.position.locating") : (d.denied ? L("fld.position.denied") : L("fld.position.none")));
        return h("div", {"class": "field-position"}, [
            h("div", {"class": "field-row"}, [
                h("button", {type: "button", "class": "field-btn", id: "field-locate", text: L("fld.position.locate"), onclick: locate}),
                h("span", {"class": "field-coords", id: "field-coords", text: text}),
            ]),
            mapSvg(d),
            h("div", {"class": "field-muted", text: L("fld.position.adjust")}),
        ]);
    }

    function locate() {
        var d = S.draft;
        if (!navigator.geolocation) { d.denied = true; render(); return; }
        d.locating = true; render();
        navigator.geolocation.getCurrentPosition(function (pos) {
            d.locating = false; d.denied = false;
            d.lat = pos.coords.latitude; d.lon = pos.coords.longitude; d.accuracy = pos.coords.accuracy;
            d.centre = null; d.span = null;   // asked for: the map comes to the new fix
            S.here = [d.lon, d.lat];
            render();
        }, function () { d.locating = false; d.denied = true; render(); }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 30000});
    }

    // The map of the position, without tiles: the city's district outlines as CityOps serves them
    // (/api/v1/field/me, the operations page's simplified copies), each named, the inspector's beat standing
    // out, and the district under the pin said above the map. A tap moves the pin, never the view.
    var MAP_W = 360, MAP_H = 220, NEAR_SPAN = 3000, KY = 110540;   // NEAR_SPAN: metres across around a fix
    function kxAt(lat) { return Math.cos(lat * Math.PI / 180) * 111320; }
    function mapDistricts() { return (S.me && S.me.districts) || []; }
    function inBeat(code) { return ((S.me && S.me.beat && S.me.beat.district) || []).indexOf(code) >= 0; }
    function polygonsOf(g) {
        g = g || {};
        return g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    }
    function beatView() {   // {centre, span}: the view that holds the beat's districts (else the whole city)
        var all = mapDistricts(), mine = all.filter(function (x) { return inBeat(x.code); });
        return fitView(mine.length ? mine : all);
    }
    function fitView(districts) {
        var box = [Infinity, Infinity, -Infinity, -Infinity];
        districts.forEach(function (x) {
            polygonsOf(x.geometry).forEach(function (poly) {
                (poly[0] || []).forEach(function (c) {
                    box = [Math.min(box[0], c[0]), Math.min(box[1], c[1]), Math.max(box[2], c[0]), Math.max(box[3], c[1])];
                });
            });
        });
        if (!(box[0] < box[2])) { return null; }
        var centre = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
        return {centre: centre, span: 1.08 * Math.max((box[2] - box[0]) * kxAt(centre[1]), (box[3] - box[1]) * KY * MAP_W / MAP_H)};
    }
    function ringHas(ring, lon, lat) {
        var inside = false;
        for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
            var a = ring[i], b = ring[j];
            if ((a[1] > lat) !== (b[1] > lat) && lon < (b[0] - a[0]) * (lat - a[1]) / (b[1] - a[1]) + a[0]) { inside = !inside; }
        }
        return inside;
    }
    function districtAt(lon, lat) {
        return mapDistricts().filter(function (x) {
            return polygonsOf(x.geometry).some(function (poly) {
                return ringHas(poly[0] || [], lon, lat) && !poly.slice(1).some(function (hole) { return ringHas(hole, lon, lat); });
            });
        })[0] || null;
    }
    function svgEl(name, attrs, text) {
        var el = document.createElementNS("http://www.w3.org/2000/svg", name);
        Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
        if (text !== undefined) { el.textContent = text; }
        return el;
    }
    function nearSpan(here) {   // around a fix: the district it is in, its outline in sight (3 to 20 km across)
        var at = districtAt(here[0], here[1]), view = at && fitView([at]);
        return view ? Math.min(Math.max(view.span, NEAR_SPAN), 20000) : NEAR_SPAN;
    }
    function mapWhere(d) {   // the line above the map: where the pin is, or which districts the beat holds
        if (d.lat === undefined) {
            var mine = mapDistricts().filter(function (x) { return inBeat(x.code); }).map(function (x) { return x.name; });
            return mine.length ? L("fld.map.beat_list", {names: mine.join(S.lang === "en" ? ", " : "、")}) : L("fld.map");
        }
        var at = districtAt(d.lon, d.lat);
        return at ? at.name + (inBeat(at.code) ? " · " + L("fld.map.beat") : "") : L("fld.map.outside");
    }

    function mapSvg(d) {
        var W = MAP_W, H = MAP_H, fit = beatView();
        var here = d.lat !== undefined ? [d.lon, d.lat] : null;
        var centre = d.centre || here || (fit && fit.centre) || (S.me && S.me.centre) || [0, 0];
        var span = d.span || (here ? nearSpan(here) : fit ? fit.span : NEAR_SPAN);   // metres across
        var kx = kxAt(centre[1]);
        function px(lon, lat) { return [W / 2 + (lon - centre[0]) * kx / span * W, H / 2 - (lat - centre[1]) * KY / span * W]; }
        var svg = svgEl("svg", {viewBox: "0 0 " + W + " " + H, "class": "field-map", id: "field-map", role: "img",
                                "aria-label": L("fld.map")});
        var ordered = mapDistricts().slice().sort(function (a, b) { return inBeat(a.code) - inBeat(b.code); });   // the beat on top
        ordered.forEach(function (dist) {
            var path = polygonsOf(dist.geometry).map(function (poly) {
                return poly.map(function (ring) {
                    return "M" + ring.map(function (c) { var p = px(c[0], c[1]); return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join("L") + "Z";
                }).join("");
            }).join("");
            svg.appendChild(svgEl("path", {d: path, "class": "field-map-district" + (inBeat(dist.code) ? " is-beat" : ""),
                                           "data-code": dist.code, "fill-rule": "evenodd"}));
        });
        ordered.forEach(function (dist) {   // names on top of every outline
            if (!dist.label) { return; }
            var p = px(dist.label[0], dist.label[1]);
            var half = dist.name.length * (/[\u4e00-\u9fff]/.test(dist.name) ? 6 : 3.5);   // about half its width
            if (p[0] - half < 4 || p[0] + half > W - 4 || p[1] < 14 || p[1] > H - 6) { return; }   // off the map
            if (p[0] + half > W - 58 && p[1] < 160) { return; }   // under the zoom buttons
            svg.appendChild(svgEl("text", {x: p[0].toFixed(1), y: p[1].toFixed(1), "text-anchor": "middle",
                                           "class": "field-map-name" + (inBeat(dist.code) ? " is-beat" : "")}, dist.name));
        });
        svg.appendChild(svgEl("text", {x: "8", y: String(H - 8), "class": "field-map-scale"},   // how wide the view is
                              "↔ " + (span >= 1000 ? +(span / 1000).toFixed(span >= 10000 ? 0 : 1) + " km" : Math.round(span) + " m")));
        if (here) {
            var p = px(here[0], here[1]);
            svg.appendChild(svgEl("circle", {cx: p[0], cy: p[1], r: "9", "class": "field-map-pin"}));
        }
        svg.addEventListener("click", function (ev) {
            var r = svg.getBoundingClientRect(), x = (ev.clientX - r.left) / r.width * W, y = (ev.clientY - r.top) / r.height * H;
            d.lon = centre[0] + (x - W / 2) / W * span / kx;
            d.lat = centre[1] - (y - H / 2) / W * span / KY;
            d.accuracy = null;
            d.centre = centre; d.span = span;   // the pin moves; the view stays where the person put it
            render();
        });
        function zoomTo(newSpan, newCentre) { return function () { d.span = newSpan; d.centre = newCentre || centre; render(); }; }
        return h("div", {"class": "field-map-wrap"}, [
            h("div", {"class": "field-map-where", id: "field-map-where", text: mapWhere(d)}),
            h("div", {"class": "field-map-frame"}, [svg, h("div", {"class": "field-zoom"}, [
                h("button", {type: "button", "class": "field-btn", "aria-label": L("fld.zoom_in"), text: "+", onclick: zoomTo(span / 2)}),
                h("button", {type: "button", "class": "field-btn", "aria-label": L("fld.zoom_out"), text: "−", onclick: zoomTo(Math.min(span * 2, 200000))}),
                fit ? h("button", {type: "button", "class": "field-btn", id: "field-map-fit", "aria-label": L("fld.map.whole_beat"),
                                   title: L("fld.map.whole_beat"), text: "⤢", onclick: zoomTo(fit.span, fit.centre)}) : null,
            ])]),
        ]);
    }

    function submitReport() {
        var d = S.draft;
        var missing = !d.category ? "fld.need.category" : !(d.photos || []).length ? "fld.need.photo" : d.lat === undefined ? "fld.need.position" : null;
        if (missing) { d.message = L(missing); render(); return; }
        var ref = newKey();
        var item = {url: "/api/v1/field/reports", label: L("fld.tab.report") + " · " + catName(d.category),
                    fields: {category: d.category, lat: d.lat, lon: d.lon, description: d.description || "", address: d.address || "",
                             reported_at: new Date().toISOString(), client_ref: ref},
                    files: d.photos.map(function (p) { return {field: "photo", blob: p.blob, name: p.name}; })};
        S.draft = {message: navigator.onLine ? L("fld.sent") : L("fld.queued"), lat: d.lat, lon: d.lon, span: d.span, centre: d.centre};
        enqueue(item).then(render);
    }

    // inspector: my reports -----------------------------------------------------------------------
    function viewMine() {
        var pending = (S.outbox || []).filter(function (i) { return i.url === "/api/v1/field/reports"; });
        var items = S.data.reports || [];
        if (!items.length && !pending.length) { return h("p", {"class": "field-muted", text: L("fld.empty.mine")}); }
        return h("div", {"class": "field-list", id: "field-mine"}, pending.map(function (i) {
            return h("article", {"class": "field-card is-pending"}, [h("b", {text: i.label}), h("span", {"class": "field-chip", text: L("fld.pending")})]);
        }).concat(items.map(function (v) {
            return h("article", {"class": "field-card", "data-id": String(v.id)}, [
                h("div", {"class": "field-card-head"}, [h("b", {text: (S.lang === "en" ? v.category_name_en : v.category_name_zh)}), statusChip(v)]),
                h("div", {"class": "field-muted", text: (v.code || "") + " · " + when(v.reported_at)}),
                v.description ? h("div", {text: v.description}) : null,
                thumbs(v.evidence),
            ]);
        })));
    }

    // inspector: checks; crew: tasks ----------------------------------------------------------------
    function viewVerify() { return taskList("fld.empty.verify"); }
    function viewTasks() { return taskList("fld.empty.tasks"); }

    function taskList(emptyKey) {
        var items = S.data.tasks || [];
        if (!items.length) { return h("p", {"class": "field-muted", text: L(emptyKey)}); }
        return h("div", {"class": "field-list", id: "field-tasks"}, items.map(taskCard));
    }

    function taskCard(v) {
        var head = [h("span", {"class": "field-prio field-prio-" + v.priority, text: L("fld.priority", {p: v.priority})}),
                    h("b", {text: (S.lang === "en" ? v.category_name_en : v.category_name_zh)}), statusChip(v)];
        var facts = [v.code, v.address, v.deadline ? L("fld.deadline") + " " + when(v.deadline) : null,
                     v.distance_m !== null && v.distance_m !== undefined ? L("fld.distance") + " " + (v.distance_m >= 1000 ? (v.distance_m / 1000).toFixed(1) + " km" : v.distance_m + " m") : null]
            .filter(Boolean).join(" · ");
        var done = v.task && v.task.done_at;
        var form = S.open && S.open.id === v.id ? actionForm(v, S.open.action) : null;
        return h("article", {"class": "field-card" + (v.overdue ? " is-overdue" : "") + (v.pending ? " is-pending" : ""), "data-id": String(v.id),
                             "data-status": v.status}, [
            h("div", {"class": "field-card-head"}, head),
            h("div", {"class": "field-muted", text: facts}),
            v.overdue ? h("div", {"class": "field-overdue", text: L("fld.overdue")}) : null,
            h("div", {"class": "field-title", text: v.title}),
            v.pending ? h("div", {"class": "field-chip field-chip-pending", text: L("fld.pending")}) : null,
            v.evidence && v.evidence.length ? h("div", {"class": "field-ba"}, [
                h("div", {}, [h("div", {"class": "field-label", text: L("fld.stage.before")}), thumbs(v.evidence, ["report", "before", "citizen"])]),
                h("div", {}, [h("div", {"class": "field-label", text: L("fld.stage.after")}), thumbs(v.evidence, ["after", "verify"])]),
            ]) : null,
            done ? h("div", {"class": "field-muted", text: L("fld.task.done") + " · " + L(v.task.result === "pass" ? "fld.pass" : "fld.fail")}) : null,
            done || form ? form : h("div", {"class": "field-actions"}, (v.allowed_actions || []).map(function (a) {
                return h("button", {type: "button", "class": "field-btn" + (a === "accept" || a === "report_fixed" || a === "verify_pass" ? " field-btn-primary" : ""),
                                    "data-action": a, text: L(ACTION_LABEL[a]), onclick: function () {
                    if (a === "accept") { queueAction(v, a, {}, []); } else { S.open = {id: v.id, action: a, photos: []}; render(); }
                }});
            })),
        ]);
    }

    var ACTION_LABEL = {accept: "fld.accept", progress: "fld.progress", report_fixed: "fld.fixed", "return": "fld.return",
                        verify_pass: "fld.pass", verify_fail: "fld.fail"};
    var EXPECT = {accept: "accepted", report_fixed: "fixed", "return": "returned"};
    // what the crew may do next while an action still waits to be sent (the server decides once it is)
    var NEXT = {accept: ["progress", "report_fixed", "return"], report_fixed: [], "return": [], verify_pass: [], verify_fail: []};

    function actionForm(v, action) {
        var o = S.open;
        var text = {progress: ["text", "fld.progress.placeholder"], report_fixed: ["note", "fld.fixed.note"], "return": ["reason", "fld.return.reason"],
                    verify_pass: ["note", "fld.note"], verify_fail: ["reason", "fld.fail.reason"]}[action];
        var pickers = action === "report_fixed" ? [photoPicker(o, "before", L("fld.photo.before")), photoPicker(o, "after", L("fld.photo.after"))]
                    : action.indexOf("verify_") === 0 ? [photoPicker(o, "photo", L("fld.photo.verify"))] : [];
        return h("form", {"class": "field-form field-action-form", "data-action": action, onsubmit: function (ev) {
            ev.preventDefault();
            var value = (o.text || "").trim();
            var needsText = action !== "verify_pass";
            if (needsText && !value) { o.message = L(action === "report_fixed" ? "fld.need.note" : "fld.need.reason"); render(); return; }
            if ((action === "report_fixed" && !o.photos.some(function (p) { return p.field === "after"; })) ||
                (action.indexOf("verify_") === 0 && !o.photos.length)) { o.message = L("fld.need.photo"); render(); return; }
            var fields = {};
            if (value) { fields[text[0]] = value; }
            queueAction(v, action, fields, o.photos);
        }}, [
            h("div", {"class": "field-label", text: L(ACTION_LABEL[action])}),
        ].concat(pickers).concat([
            h("textarea", {"class": "field-input", rows: "2", name: text[0], placeholder: L(text[1]),
                           oninput: function (ev) { o.text = ev.target.value; }}, [o.text || ""]),
            o.message ? h("div", {"class": "field-msg", role: "status", text: o.message}) : null,
            h("div", {"class": "field-row"}, [
                h("button", {type: "submit", "class": "field-btn field-btn-primary field-send", text: L("fld.send")}),
                h("button", {type: "button", "class": "field-btn", text: L("fld.cancel"), onclick: function () { S.open = null; render(); }}),
            ]),
        ]));
    }

    function queueAction(v, action, fields, photos) {
        var body = Object.assign({action: action, version: v.version}, fields);
        var expect = {version: v.version + 1, status: EXPECT[action] || v.status,
                      allowed_actions: NEXT[action] || (v.allowed_actions || []).slice()};
        Object.assign(v, expect, {pending: true});
        S.open = null;
        render();
        return enqueue({url: "/api/v1/field/incidents/" + v.id + "/actions", incident: v.id, expect: expect,
                        label: L(ACTION_LABEL[action]) + " · " + (v.code || v.id), fields: body,
                        files: (photos || []).map(function (p) { return {field: p.field, blob: p.blob, name: p.name}; })});
    }

    // -- start and stop with the page ----------------------------------------------------------------
    function start(root) {
        S = {root: root, lang: root.getAttribute("data-lang"), tz: root.getAttribute("data-tz") || undefined, role: root.getAttribute("data-role"), user: root.getAttribute("data-user"),
             labels: JSON.parse(root.getAttribute("data-labels") || "{}"), data: {}, draft: {}, outbox: []};
        if (!document.querySelector("link[rel=manifest]")) {
            document.head.appendChild(h("link", {rel: "manifest", href: "/field.webmanifest"}));
        }
        if ("serviceWorker" in navigator) {
            navigator.serviceWorker.register("/field-sw.js", {scope: "/field"}).catch(function () { /* a page without it still works */ });
        }
        getJSON("/api/v1/field/me").then(function (me) { S && (S.me = me); render(); }).catch(render);
        refreshOutbox().then(load).then(flush);
        if (S.role === "operator" && navigator.geolocation) {   // tasks by distance from where the crew is
            navigator.geolocation.getCurrentPosition(function (pos) {
                if (!S) { return; }
                S.here = [pos.coords.longitude, pos.coords.latitude];
                load();
            }, function () { /* without a position: by urgency only */ }, {timeout: 10000, maximumAge: 60000});
        }
        S.timer = setInterval(function () {
            if (!S || !navigator.onLine) { return; }
            if ((S.outbox || []).some(function (i) { return i.state === "waiting"; })) { flush(); }
            else if (Date.now() - (S.loadedAt || 0) > RELOAD_MS && !S.open) { load(); }   // new tasks, changed cases
        }, RETRY_MS);
        render();
    }
    function stop() {
        if (S && S.timer) { clearInterval(S.timer); }
        S = null;
    }
    window.addEventListener("online", function () { if (S) { renderStatus(); flush(); } });
    window.addEventListener("offline", function () { renderStatus(); });
    window.cityopsField = {flush: function () { return flush(); }, outbox: function () { return outboxAll(); }};

    var watch = new MutationObserver(function () {
        var root = document.getElementById("field-root");
        if (root && (!S || S.root !== root)) { stop(); start(root); }
        else if (!root && S) { stop(); }
    });
    function boot() {
        watch.observe(document.body, {childList: true, subtree: true});
        var root = document.getElementById("field-root");
        if (root) { start(root); }
    }
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", boot); } else { boot(); }
})();
