"""users.csv of a city package, imported by `cityops city import --commit`: new users by role and
department, no password in any file; each new user's temporary password written once to a file only
the owner can read; a second import changes nothing; existing users are never changed (the plan says
how they differ); and the first sign-in leads to the password page before anything else (zh and en)."""
from __future__ import annotations

import re
import stat
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dashboard.bus import MemoryBus
from dashboard.citypkg.read import read_package
from dashboard.citypkg.starter import write_starter
from dashboard.cli import main
from dashboard.config import Settings
from dashboard.domain.identity import Identity
from dashboard.services import city_import, city_users, first_sign_in
from dashboard.services.auth import AuthService
from dashboard.services.container import Services
from dashboard.store import auth as auth_store, password_due, reference
from dashboard.store import schema as t, schema_city as c, utcnow

USERS = ("username,display_name,role,department\n"
         "wangmin,王敏,dispatcher,\n"
         "zhao,赵刚,operator,cgj\n"
         "crew1,李师傅,crew,cgj\n"
         "chen,陈静,leader,cgj\n"
         "hallwall,大厅,wall,\n")


def package_with_users(tmp_path, users=USERS):
    write_starter(tmp_path / "pkg")
    (tmp_path / "pkg" / "users.csv").write_text(users, encoding="utf-8")
    package = read_package(tmp_path / "pkg")
    assert package.ok, [str(p) for p in package.problems]
    return package


def import_all(store, package, data_dir):
    plan = city_import.plan(store, package)
    city_import.commit(store, plan, actor="cli:test")
    users = city_users.plan(store, package.users)
    return users, city_users.commit(store, users, data_dir, "cli:test")


def test_plan_then_commit_then_nothing(store, tmp_path):
    package = package_with_users(tmp_path)
    users = city_users.plan(store, package.users)
    assert [u.username for u in users.new] == ["wangmin", "zhao", "crew1", "chen"]
    by_name = {u.username: u for u in users.new}
    assert by_name["crew1"].role == "operator" and "crew → operator" in by_name["crew1"].note
    assert by_name["chen"].department is None and "ignored" in by_name["chen"].note
    assert [name for name, _ in users.skipped] == ["hallwall"]
    text = "\n".join(users.lines())
    assert "4 new" in text and "kiosk" in text
    with store.connect() as conn:
        assert auth_store.list_users(conn) == []            # a plan changes nothing

    _, (path, logins) = import_all(store, package, tmp_path / "data")
    assert set(logins) == {"wangmin", "zhao", "crew1", "chen"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    body = path.read_text()
    assert all(f"{name}\t{pw}" in body for name, pw in logins.items())
    with store.connect() as conn:
        stored = {u["username"]: u for u in auth_store.list_users(conn)}
        assert stored["zhao"]["role"] == "operator" and stored["zhao"]["department"] == "cgj"
        assert stored["wangmin"]["display_name"] == "王敏" and stored["wangmin"]["department"] is None
        assert password_due.usernames(conn) == set(logins)
        assert stored["zhao"]["password_hash"].startswith("scrypt$")   # only the hash is kept
        adds = conn.execute(sa.select(t.audit_log).where(t.audit_log.c.action == "user_add")).all()
        assert {a.target_id for a in adds} == set(logins) and all(a.actor == "cli:test" for a in adds)

    again = city_users.plan(store, read_package(tmp_path / "pkg").users)
    assert again.empty and sorted(again.same) == ["chen", "crew1", "wangmin", "zhao"] and not again.differs
    assert city_users.commit(store, again, tmp_path / "data", "cli:test") == (None, {})


def test_existing_users_are_reported_not_changed(store, tmp_path):
    package = package_with_users(tmp_path)
    import_all(store, package, tmp_path / "data")
    (tmp_path / "pkg" / "users.csv").write_text(USERS.replace("wangmin,王敏,dispatcher,", "wangmin,王敏,admin,"),
                                                 encoding="utf-8")
    plan = city_users.plan(store, read_package(tmp_path / "pkg").users)
    assert plan.empty and plan.differs == [("wangmin", ["role dispatcher → admin"])]
    assert "not changed by an import" in "\n".join(plan.lines())
    city_users.commit(store, plan, tmp_path / "data", "cli:test")
    with store.connect() as conn:
        assert auth_store.get_user(conn, "wangmin")["role"] == "dispatcher"


def test_cli_import_commit_is_idempotent(tmp_path, capsys):
    package_with_users(tmp_path)
    data = tmp_path / "data"
    assert main(["city", "import", str(tmp_path / "pkg"), "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "users" in out and "4 new" in out and "nothing changed" in out
    assert not list(data.glob("city-users-*.txt"))
    assert main(["city", "import", str(tmp_path / "pkg"), "--commit", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    files = list(data.glob("city-users-*.txt"))
    assert len(files) == 1 and "4 user(s) added" in out and str(files[0]) in out
    for password in re.findall(r"\t(\S+)", files[0].read_text()):
        assert password not in out                          # the passwords are in the file only
    assert main(["city", "import", str(tmp_path / "pkg"), "--commit", "--data-dir", str(data)]) == 0
    assert "no changes" in capsys.readouterr().out
    assert len(list(data.glob("city-users-*.txt"))) == 1


# -- the first sign-in ------------------------------------------------------------------------------
@pytest.fixture
def web(sqlite_store, tmp_path):
    package = package_with_users(tmp_path)
    _, (_, logins) = import_all(sqlite_store, package, tmp_path / "data")
    with sqlite_store.connect() as conn:
        city = reference.load_city(conn)
    svc = Services(replace(Settings(), data_dir=str(tmp_path / "data"), demo=False), sqlite_store, MemoryBus(), city)
    from dashboard.web.app import create_app
    return create_app(svc), svc, logins


def _csrf(client, path="/login", lang="zh-CN"):
    page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_in(client, username, password, lang="zh-CN"):
    return client.post("/login", data={"username": username, "password": password, "lang": lang,
                                       "csrf_token": _csrf(client, lang=lang)})


def _form(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


@pytest.mark.parametrize("lang, words", [("zh-CN", "设置您自己的密码"), ("en", "Set your own password")])
def test_first_sign_in_forces_the_password_page(web, lang, words):
    app, svc, logins = web
    client = app.server.test_client()
    answer = _sign_in(client, "wangmin", logins["wangmin"], lang)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and words in page and 'id="pw-form"' in page
    assert client.get("/dispatch").status_code == 302          # no session yet: back to the sign-in
    assert client.get("/api/v1/incidents").status_code == 401
    form = {"ticket": _form(page, "ticket"), "csrf_token": _form(page, "csrf_token"), "lang": lang, "next": "/"}

    bad = client.post("/password/first", data=form | {"password": "a-new-secret-1", "repeat": "another-one-2"})
    assert bad.status_code == 422 and 'id="pw-error"' in bad.get_data(as_text=True)
    same = client.post("/password/first", data=form | {"password": logins["wangmin"], "repeat": logins["wangmin"]})
    assert same.status_code == 422
    short = client.post("/password/first", data=form | {"password": "short", "repeat": "short"})
    assert short.status_code == 422

    good = client.post("/password/first", data=form | {"password": "my own password 1", "repeat": "my own password 1"})
    assert good.status_code == 302 and good.headers["Location"].endswith("/dispatch")
    assert client.get("/dispatch").status_code == 200
    assert not first_sign_in.must_change(svc, "wangmin")
    spent = client.post("/password/first", data=form | {"password": "another pass 2", "repeat": "another pass 2"})
    assert spent.status_code == 302 and "/login" in spent.headers["Location"]   # the ticket is spent

    other = app.server.test_client()
    assert _sign_in(other, "wangmin", logins["wangmin"]).status_code == 401     # the temporary one is gone
    assert _sign_in(other, "wangmin", "my own password 1").status_code == 302   # straight in
    with svc.store.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(t.audit_log.c.action).where(
            t.audit_log.c.actor == "wangmin"))]
    assert "user_set_own_password" in actions


def test_an_expired_ticket_leads_back_to_sign_in(web):
    app, svc, logins = web
    client = app.server.test_client()
    page = _sign_in(client, "zhao", logins["zhao"]).get_data(as_text=True)
    with svc.store.begin() as conn:
        conn.execute(c.password_change_due.update().values(ticket_expires=utcnow() - timedelta(minutes=1)))
    answer = client.post("/password/first", data={"ticket": _form(page, "ticket"), "csrf_token": _form(page, "csrf_token"),
                                                  "password": "my own password 1", "repeat": "my own password 1"})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert first_sign_in.must_change(svc, "zhao")


def test_the_password_page_needs_its_form_token(web):
    app, _, logins = web
    client = app.server.test_client()
    page = _sign_in(client, "zhao", logins["zhao"]).get_data(as_text=True)
    answer = client.post("/password/first", data={"ticket": _form(page, "ticket"), "csrf_token": "forged",
                                                  "password": "my own password 1", "repeat": "my own password 1"})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert client.get("/password/first").status_code == 302


def test_an_administrators_reset_is_temporary_unless_permanent(web):
    """The administrator knows a password they set: the person chooses their own at the next sign-in;
    --permanent keeps it and also ends a change still pending from the package's temporary password."""
    app, svc, logins = web
    admin = Identity("root", "admin", via="cli")
    auth = AuthService(svc)
    auth.reset_password(admin, "wangmin", "set by the admin 1")
    page = _sign_in(app.server.test_client(), "wangmin", "set by the admin 1").get_data(as_text=True)
    assert 'id="pw-form"' in page and first_sign_in.must_change(svc, "wangmin")

    assert first_sign_in.must_change(svc, "zhao")                       # pending from users.csv
    auth.reset_password(admin, "zhao", "service account pw 1", temporary=False)
    assert not first_sign_in.must_change(svc, "zhao")
    client = app.server.test_client()
    assert _sign_in(client, "zhao", "service account pw 1").status_code == 302   # straight in
    assert client.get("/api/v1/incidents").status_code == 200
    with svc.store.connect() as conn:
        reasons = [r.reason for r in conn.execute(sa.select(t.audit_log.c.reason).where(
            t.audit_log.c.action == "user_reset_password").order_by(t.audit_log.c.id))]
    assert reasons == ["temporary: to be changed at the next sign-in", "permanent"]
