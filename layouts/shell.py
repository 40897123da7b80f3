"""The application shell: header (city, navigation, live status, language, clock, user) around the
page container, and the one live connection a tab keeps to the push relay."""
from __future__ import annotations

from dataclasses import dataclass

from dash import dcc, html
from dash_extensions import WebSocket

from dashboard.i18n import LANGS, client_catalog, t

from .ids import header as ids


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str


ROLE_WORDS = ("管理员", "调度员", "部门处置员", "处置员", "领导", "分管领导", "大屏",
              "Administrator", "Dispatcher", "Department operator", "Operator", "Leader")


def person_label(display_name: str | None, username: str, role_label: str, department_label: str | None,
                 zh_department_names: tuple[str, ...] = ()) -> str:
    """"Dispatcher 王敏", "Department operator · Water Authority": the role (and department) composed in
    the screen's language; the person's name stays as it was typed. A stored display name that is only
    a role word or a department's Chinese name (older demo stores) is not shown as a name."""
    name = (display_name or "").strip()
    for word in sorted(ROLE_WORDS, key=len, reverse=True):
        if name.startswith(word):
            name = name[len(word):].strip(" ·")
            break
    if name in zh_department_names:
        name = ""
    parts = [role_label]
    if department_label:
        parts.append("· " + department_label)
    if name:
        parts.append(name)
    elif not department_label and username:
        parts.append(username)
    return " ".join(parts)


def header(city_name: str, lang: str, nav: list[NavItem], user_label: str | None = None,
           role_label: str | None = None, notice=None) -> html.Header:
    """`notice`: an optional component shown first on the right (the admins' calendar notice)."""
    return html.Header(className="app-header", children=[
        html.Div(className="brand", children=[
            html.Span(className="brand-mark", **{"aria-hidden": "true"}),
            html.Div(children=[
                html.Div(city_name, className="brand-city"),
                html.Div(t("app.title", lang), className="brand-title"),
            ]),
        ]),
        html.Nav(className="app-nav", **{"aria-label": t("nav.label", lang)}, children=[
            dcc.Link(item.label, href=item.path, className="nav-link",
                     id={"type": ids.NAV_LINK, "index": item.path}) for item in nav
        ]),
        html.Div(className="header-right", children=[
            notice,
            html.Span(id=ids.LIVE_BADGE, className="live-badge live-idle", role="status"),
            html.Div(className="lang-switch", role="group", **{"aria-label": t("lang.label", lang)}, children=[
                html.A(t(f"lang.{code}", lang), href=f"?lang={code}", id=f"{ids.LANG_LINK}-{code}",
                       className="lang-link is-current" if code == lang else "lang-link",
                       lang=code, **({"aria-current": "true"} if code == lang else {}))
                for code in LANGS
            ]),
            html.Time(id=ids.CLOCK, className="clock", title=t("clock.label", lang)),
            html.Div(className="user", children=[
                html.Span(user_label, className="user-name", title=role_label) if user_label else None,
                html.A(t("logout.link", lang), href="/logout", className="logout-link") if user_label else None,
            ]),
        ]),
    ])


def live_connection() -> list:
    """The tab's WebSocket and its state; pages fill LIVE_CFG from their snapshot."""
    return [
        WebSocket(id=ids.WS),
        dcc.Store(id=ids.LIVE_CFG),
        dcc.Store(id=ids.LIVE, data={"status": "idle", "attempt": 0}),
    ]


def live_inbox(page_prefix: str) -> dcc.Store:
    """Put on a page that takes live updates; its callbacks use Input(live_inbox_id(prefix), "data")
    and so run only on that page. Such a callback must not have the page's snapshot trigger among its
    Outputs (Dash would then skip the snapshot's first load): set it with set_props on a reset."""
    return dcc.Store(id=live_inbox_id(page_prefix))


def live_inbox_id(page_prefix: str) -> dict:
    return {"type": ids.BATCH, "page": page_prefix}


def shell(header_component: html.Header, page_container, lang: str, timezone: str, theme: str = "desk") -> html.Div:
    config = {"lang": lang, "tz": timezone,
              "labels": client_catalog(lang, ("live.", "clock."))}
    return html.Div(className=f"app theme-{theme}", lang=lang, children=[
        header_component,
        html.Main(page_container, className="app-main"),
        dcc.Store(id=ids.CONFIG, data=config),
        dcc.Interval(id=ids.CLOCK_TICK, interval=1000),
        *live_connection(),
    ])
