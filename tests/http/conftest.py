"""Fixtures of the HTTP tests: a paired tablet on a shop with two products."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from appliance.app import create_app
from appliance.settings import Settings
from tests.http.pos_support import setup_shop
from tests.support import csrf_from


@pytest.fixture
def tablet(shop: Settings) -> Any:
    app = create_app(shop)
    with TestClient(app) as admin, TestClient(app) as tablet:
        code = setup_shop(admin)
        form = tablet.get(f"/emparejar?codigo={code}")
        response = tablet.post(
            "/emparejar",
            data={"code": code, "name": "Tablet 1", "_csrf_token": csrf_from(form.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303 and response.headers["location"] == "/caja/pin"
        assert "mm_device" in tablet.cookies
        yield tablet
