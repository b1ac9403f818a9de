"""Product search on a 20.000-product shop: latency of the search service and of the HTTP API over loopback.

    python bench/search.py [--products 20000] [--rounds 400]

Prints one JSON object with median/p95/p99 in milliseconds. Figures, not a test: run it on the box you care about.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from appliance.app import create_app
from appliance.catalog import search
from appliance.db import migrate
from appliance.db.engine import Database
from appliance.demo.scale import add_products
from appliance.settings import Settings
from appliance.users import service as users

QUERIES = [
    "leche",
    "leche descremada",
    "arroz",
    "aceite maravilla",
    "coca",
    "cerveza",
    "pan",
    "queso",
    "jamon",
    "detergente",
    "papel higienico",
    "galletas",
    "te",
    "cafe",
    "yogur",
    "fideos",
    "azucar",
    "harina",
    "vino tinto",
    "bebida",
    "jugo",
    "agua mineral",
    "cloro",
    "shampoo",
    "pila",
    "atun",
    "mayonesa",
    "ketchup",
    "palta",
    "platano",
    "lech",
    "arr",
    "ceve",
    "sopa",
    "choc",
    "mantequilla",
    "salame",
    "limon",
    "manzana",
    "pisco",
]


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 3)

    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "n": len(ordered),
    }


async def build(settings: Settings, products: int) -> None:
    settings.ensure_dirs()
    migrate.upgrade(settings.database_path, settings.backups_dir)
    db = Database(settings.database_path)
    async with db.write() as session:
        await add_products(session, products)
        await users.create(
            session, username="bench", full_name="Bench", role="administrador", password="bench-password", actor_id=None
        )
    await db.dispose()


async def service_latency(settings: Settings, rounds: int) -> dict[str, float]:
    db = Database(settings.database_path)
    rng = random.Random(1)
    samples = []
    for _ in range(rounds):
        query = rng.choice(QUERIES)
        started = time.perf_counter()
        async with db.read() as session:
            await search.search(session, query, limit=20)
        samples.append(time.perf_counter() - started)
    await db.dispose()
    return _stats(samples)


def http_latency(settings: Settings, rounds: int) -> dict[str, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(2)
    samples = []
    try:
        with httpx.Client(base_url=base) as client:
            login = client.get("/login")
            token = login.text.split('name="_csrf_token" value="')[1].split('"')[0]
            client.post("/login", data={"username": "bench", "password": "bench-password", "_csrf_token": token})
            for _ in range(rounds):
                query = rng.choice(QUERIES)
                started = time.perf_counter()
                response = client.get("/api/productos", params={"q": query, "limit": 20})
                samples.append(time.perf_counter() - started)
                response.raise_for_status()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return _stats(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(Path(tmp))
        started = time.perf_counter()
        asyncio.run(build(settings, args.products))
        build_s = time.perf_counter() - started
        service = asyncio.run(service_latency(settings, args.rounds))
        api = http_latency(settings, args.rounds)
    print(
        json.dumps(
            {"products": args.products, "build_s": round(build_s, 2), "search_service": service, "search_http_api": api}
        )
    )


if __name__ == "__main__":
    main()
