from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance.app import create_app
from appliance.settings import Settings
from tests.support import make_shop

TEST_OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


@pytest.fixture
def shop(tmp_path: Path) -> Settings:
    """A freshly migrated shop in a temporary directory, with a user per role."""
    return make_shop(tmp_path / "shop")


@pytest.fixture
def client(shop: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(shop)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def test_output() -> Path:
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT
