"""Role enforcement, walked over every route the app has: a new route without a declared policy fails here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from appliance.app import create_app
from appliance.db.models import Role
from appliance.http.policy import PUBLIC_KEY, ROLES_KEY
from appliance.settings import Settings
from tests.support import STAFF, csrf_from, login

PARAM = re.compile(r"\{(\w+):(\w+)\}")
SAMPLE = {"int": "1", "str": "abcdefghijklmnopqrstuv", "path": "/app.css"}


def _endpoints(app: Litestar) -> list[tuple[str, str, Any]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _kwargs) in route.route_handler_map.items():
            if method in ("HEAD", "OPTIONS"):
                continue
            found.append((method, route.path, handler))
    return found


def _url(path: str) -> str:
    return PARAM.sub(lambda m: SAMPLE[m.group(2)], path).replace("//", "/")


@pytest.fixture
def app(shop: Settings) -> Litestar:
    return create_app(shop)


def test_every_route_declares_who_may_use_it(app: Litestar) -> None:
    undeclared = [
        f"{method} {path}"
        for method, path, handler in _endpoints(app)
        if not handler.opt.get(PUBLIC_KEY) and not handler.opt.get(ROLES_KEY)
    ]
    assert not undeclared, f"routes without a role policy (opt=allow(...) or PUBLIC): {undeclared}"
    assert len(_endpoints(app)) > 20


def test_owner_is_read_only_everywhere(app: Litestar) -> None:
    writable = [
        f"{method} {path}"
        for method, path, handler in _endpoints(app)
        if method != "GET" and Role.DUENO in (handler.opt.get(ROLES_KEY) or ()) and path != "/logout"
    ]
    assert not writable, f"the owner's remote view must be read-only: {writable}"


def test_anonymous_visitor_reaches_only_public_routes(app: Litestar) -> None:
    with TestClient(app) as client:
        token = csrf_from(client.get("/login").text)
        for method, path, handler in _endpoints(app):
            if handler.opt.get(PUBLIC_KEY):
                continue
            url = _url(path)
            response = client.request(
                method, url, data={"_csrf_token": token} if method != "GET" else None, follow_redirects=False
            )
            if url.startswith("/api/"):
                assert response.status_code == 401, f"{method} {url}"
                assert response.json()["error"] == "not_authenticated"
            else:
                assert response.status_code == 303, f"{method} {url} answered {response.status_code}"
                assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("username", list(STAFF))
def test_each_role_gets_exactly_its_routes(app: Litestar, username: str) -> None:
    role = Role(STAFF[username])
    with TestClient(app) as client:
        token = login(client, username)
        for method, path, handler in _endpoints(app):
            if handler.opt.get(PUBLIC_KEY) or path == "/logout":
                continue
            url = _url(path)
            response = client.request(
                method, url, data={"_csrf_token": token} if method != "GET" else None, follow_redirects=False
            )
            allowed = role in handler.opt[ROLES_KEY]
            if allowed:
                assert response.status_code != 403, f"{username} refused {method} {url}: {response.text[:200]}"
                assert response.status_code < 500, f"{username} {method} {url}: {response.text[:300]}"
            else:
                assert response.status_code == 403, f"{username} reached {method} {url} ({response.status_code})"
                if not url.startswith("/api/"):
                    assert "Sin permiso" in response.text


def test_cashier_cannot_open_the_catalog_editor(client: TestClient[Any]) -> None:
    login(client, "caja")
    response = client.get("/productos/nuevo")
    assert response.status_code == 403
    assert "no tiene permiso" in response.text
