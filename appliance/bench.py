"""`minimarket bench`: N simulated tablets drive the real HTTP flow against a real server process.

Each tablet pairs, signs in with its PIN (before the clock and the CPU count start), and then sells for S seconds:
five scans, a name search and a checkout per sale. The server runs as its own process (as on the box), so its CPU
time and peak memory are its own. The floor — one bare SQLite transaction with the same durability plus one RSA-2048
signature — shows how far the sale path is from the cost the hardware imposes anyway. The last line printed is one
JSON object with every figure.

The tablets sign in with httpx and then sell over bare keep-alive HTTP/1.1 connections (bench_client.py): they
share the box's cores with the server, so they must cost it as little as a real tablet would (nothing).

Two ways to drive the tablets:
- `--pace 0` (default): every tablet fires its next request the moment the previous one answers. This measures
  throughput at saturation (sales per second at full speed); the latencies are then mostly queueing behind the
  other tablets, not what a cashier waits.
- `--pace P` (seconds): a cashier's rhythm. Before each scan, the search and the payment a tablet waits a random
  0.5·P–1.5·P seconds, so the latencies are what a cashier sees with N lanes busy at once. The run is then followed
  by a closed-loop run of `--saturation-seconds`, reported under "saturation", so the full-speed throughput is
  still measured.
Before either, every tablet makes one unmeasured sale: what the server does once per boot (the first receipt's
imports, templates, the certificate) is not a cost per sale. The clock starts once those receipts, and any a previous
run on the same shop left queued, have printed.

`cpu_steal_pct` is the share of the machine's CPU time its hypervisor gave to other guests during the run (0 on a
Pi): on a shared virtual machine a few milliseconds of work now and then take several times as long, and the tail
latencies move with it.

The off-site copy runs as on a box (Litestream, here to a folder in the data dir), and the measurement starts once it
holds everything: a shop just built is first copied whole (~80 MB for the default shop), a one-off a box pays at
installation, not the counter's steady state. So is a shop reused from DIR whose WAL was checkpointed away while
Litestream was not running (the set-up's own writes, before the server starts).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from appliance.bench_client import Tablet
from appliance.db import migrate
from appliance.db.engine import Database
from appliance.db.raw import marks
from appliance.jobs.print_store import PRINT_KINDS
from appliance.settings import Settings

PIN = "2580"


@dataclass
class Samples:
    scan: list[float] = field(default_factory=list)
    search: list[float] = field(default_factory=list)
    checkout: list[float] = field(default_factory=list)
    errors: int = 0


def _pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "n": 0}
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {"p50": round(statistics.median(ordered) * 1000, 2), "p95": at(0.95), "p99": at(0.99), "n": len(ordered)}


async def build_shop(settings: Settings, *, catalog: int, history: int, tablets: int) -> list[str]:
    """The shop (unless the data dir has one), N lanes with a paired tablet each; returns the tablets' tokens."""
    from sqlalchemy import func, select

    from appliance.db.models import Lane, Product, User
    from appliance.demo import history as demo_history
    from appliance.demo import shop
    from appliance.demo.scale import add_products
    from appliance.pos import pairing, pins

    settings.ensure_dirs()
    fresh = not settings.database_path.exists()
    if fresh:
        await shop.build(settings)
    db = Database(settings.database_path)
    try:
        async with db.write() as s:
            count = int(await s.scalar(select(func.count()).select_from(Product)) or 0)
            if fresh and catalog > count:
                await add_products(s, catalog - count)
        if fresh and history:
            async with db.write() as s:
                await demo_history.generate(s, sales=history)
        now = datetime.now(UTC)
        tokens = []
        async with db.write() as s:
            cashier = await s.scalar(select(User).where(User.role == "cajero").limit(1))
            assert cashier is not None
            await pins.set_pin(s, cashier.id, PIN, actor_id=None)
            for n in range(tablets):
                code = f"bench-{n + 1}"
                lane = await s.scalar(select(Lane).where(Lane.code == code))
                if lane is None:
                    lane = Lane(code=code, name=f"Bench {n + 1}")
                    s.add(lane)
                    await s.flush()
                _device, token = await pairing.pair(
                    s, await pairing.create_code(s, lane.id, user_id=None, now=now), f"bench {n + 1}", now=now
                )
                tokens.append(f"{token}|{cashier.id}|{lane.id}")
    finally:
        await db.dispose()
    return tokens


async def _sign_in(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    """PIN sign-in and an open cash session: the headers the tablet's requests carry from then on."""
    _device, user_id, _lane = token.split("|")
    page = await client.get("/caja/pin")
    csrf = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    await client.post("/caja/pin", data={"user_id": user_id, "pin": PIN, "_csrf_token": csrf})
    turno = await client.get("/caja/turno")
    if "Abrir caja" in turno.text:
        await client.post("/caja/turno/abrir", data={"opening_float": "50000", "_csrf_token": csrf})
    return {"X-CSRFToken": csrf, "Accept": "application/json"}


async def _tablet(
    client: Tablet,
    seconds: float,
    barcodes: list[str],
    words: list[str],
    samples: Samples,
    seed: int,
    pace: float = 0.0,
    rounds: int | None = None,
) -> int:
    rng = random.Random(seed)

    async def think() -> None:
        if pace > 0:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * pace)

    sold = 0
    deadline = time.perf_counter() + seconds
    started_sales = 0
    while time.perf_counter() < deadline and (rounds is None or started_sales < rounds):
        started_sales += 1
        total = 0
        for _ in range(5):
            await think()
            started = time.perf_counter()
            status, body = await client.post("/caja/escanear", {"code": rng.choice(barcodes)})
            samples.scan.append(time.perf_counter() - started)
            if status != 200:
                samples.errors += 1
                continue
            total = json.loads(body)["total"]
        await think()
        started = time.perf_counter()
        await client.get("/caja/buscar", {"q": rng.choice(words)})
        samples.search.append(time.perf_counter() - started)
        await think()
        started = time.perf_counter()
        status, body = await client.post("/caja/pagar", {"debito": str(total), "debito_ref": "1"})
        samples.checkout.append(time.perf_counter() - started)
        if status == 200:
            sold += 1
        else:
            samples.errors += 1
            if samples.errors <= 3:
                print(f"checkout refused: {status} {body[:300].decode(errors='replace')}", file=sys.stderr)
    return sold


def _prints_drained(path: Path, limit: float = 300.0) -> float:
    """Seconds until no receipt is waiting to print: the warm-up's, and those a previous run on this shop left
    queued when it stopped (a restarted box prints them first), are not part of the measurement."""
    started = time.monotonic()
    query = f"SELECT count(*) FROM outbox WHERE status = 'pending' AND kind IN ({marks(len(PRINT_KINDS))})"
    conn = sqlite3.connect(path)  # the server holds the database open, so closing this never checkpoints
    try:
        while time.monotonic() - started < limit:
            (waiting,) = conn.execute(query, PRINT_KINDS).fetchone()
            if not waiting:
                break
            time.sleep(0.5)
    finally:
        conn.close()
    return round(time.monotonic() - started, 1)


async def _backup_caught_up(settings: Settings, limit: float = 900.0) -> float | None:
    """Seconds until the off-site copy held everything; None when the shop has no backup running."""
    from appliance.backup import config, state
    from appliance.backup.health import ControlSocket

    control = ControlSocket(config.socket_path(settings))
    started = time.monotonic()
    while time.monotonic() - started < limit:
        answer = await control.confirm(settings.database_path, within=5.0)
        if answer is not None and answer[0] > 0 and answer[1] >= answer[0]:
            return round(time.monotonic() - started, 1)
        if answer is None and time.monotonic() - started > 20 and not state.is_running(settings):
            return None
        await asyncio.sleep(0.5)
    print(f"el respaldo no se puso al día en {limit:.0f} s: se mide igual", file=sys.stderr, flush=True)
    return round(time.monotonic() - started, 1)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _machine_cpu() -> tuple[int, int]:
    """(stolen, total) clock ticks of all the machine's CPUs so far, from /proc/stat."""
    ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal; guest time is already inside user and nice.
    return ticks[7], sum(ticks[:8])


def _steal_pct(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return round(100 * (after[0] - before[0]) / total, 1) if total else 0.0


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def floor(rounds: int = 200) -> dict[str, float]:
    """One durable SQLite transaction (WAL, synchronous=FULL, BEGIN IMMEDIATE) plus one RSA-2048 signature."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "floor.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
        for n in range(rounds):
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (body) VALUES (?)", (f"sale {n}",))
            conn.execute("COMMIT")
            key.sign(f"sale {n}".encode(), padding.PKCS1v15(), hashes.SHA256())
            samples.append(time.perf_counter() - started)
        conn.close()
    return _pct(samples)


def run(
    *,
    tablets: int,
    seconds: float,
    catalog: int,
    history: int,
    data_dir: Path | None,
    pace: float = 0.0,
    saturation_seconds: float = 15.0,
) -> dict[str, Any]:
    # One line per request would cost the clients CPU that the server shares.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = data_dir if data_dir is not None else Path(tmp)
        settings = Settings.load(root)
        print(f"preparando la tienda en {root} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        tokens = asyncio.run(build_shop(settings, catalog=catalog, history=history, tablets=tablets))
        build_s = time.perf_counter() - started
        migrate.upgrade(settings.database_path, settings.backups_dir)
        conn = sqlite3.connect(settings.database_path)
        barcodes = [
            r[0]
            for r in conn.execute(
                "SELECT b.code FROM product_barcodes b JOIN products p ON p.id = b.product_id "
                "WHERE p.active AND p.unit = 'unit' AND NOT p.age_restricted AND p.container_product_id IS NULL "
                "ORDER BY random() LIMIT 2000"
            )
        ]
        words = [r[0].split()[0].lower() for r in conn.execute("SELECT name FROM products ORDER BY random() LIMIT 300")]
        conn.close()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # The SII queue runs as on a box whose internet is down: a closed port on loopback, never the real SII.
        env = {**os.environ, "MINIMARKET_SII_URL": "http://127.0.0.1:9"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "appliance",
                "serve",
                "--data-dir",
                str(root),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/salud", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            backup_wait = asyncio.run(_backup_caught_up(settings))

            def drive(phase_seconds: float, phase_pace: float, rounds: int | None = None) -> dict[str, Any]:
                samples = Samples()

                async def tablets_selling() -> tuple[int, float, float, float]:
                    async with contextlib.AsyncExitStack() as stack:
                        clients = [
                            await stack.enter_async_context(
                                httpx.AsyncClient(base_url=base, cookies={"mm_device": token.split("|")[0]}, timeout=30)
                            )
                            for token in tokens
                        ]
                        # Signing in (an argon2 hash per cashier, on purpose slow) is not a cost per sale.
                        headers = await asyncio.gather(*(_sign_in(c, t) for c, t in zip(clients, tokens, strict=True)))
                        tablets = [
                            Tablet("127.0.0.1", port, dict(c.cookies.items()), h)
                            for c, h in zip(clients, headers, strict=True)
                        ]
                        for tablet in tablets:
                            stack.push_async_callback(tablet.close)
                        cpu_before, machine_before = _cpu_seconds(server.pid), _machine_cpu()
                        wall = time.perf_counter()
                        sold = await asyncio.gather(
                            *(
                                _tablet(t, phase_seconds, barcodes, words, samples, n, pace=phase_pace, rounds=rounds)
                                for n, t in enumerate(tablets)
                            )
                        )
                        wall = time.perf_counter() - wall
                        steal = _steal_pct(machine_before, _machine_cpu())
                        return sum(sold), wall, _cpu_seconds(server.pid) - cpu_before, steal

                sold, wall, cpu, steal = asyncio.run(tablets_selling())
                return _figures(samples, sold, wall, cpu, steal)

            # One sale per tablet first, not measured: the first receipt, template and certificate load once per boot.
            drive(60, 0.0, rounds=1)
            prints_wait = _prints_drained(settings.database_path)
            measured = drive(seconds, pace)
            saturation = drive(saturation_seconds, 0.0) if pace > 0 else None
            peak = _peak_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    floor_ms = floor()
    checkout = measured["checkout_ms"]
    result: dict[str, Any] = {
        "tablets": tablets,
        "seconds": seconds,
        "pace_s": pace,
        "catalog": catalog,
        "history": history,
        "build_s": round(build_s, 1),
        "backup_wait_s": backup_wait,
        "prints_wait_s": prints_wait,
        **measured,
        "server_peak_memory_mb": peak,
        "floor_ms": floor_ms,
        "checkout_p50_over_floor": round(checkout["p50"] / floor_ms["p50"], 1) if floor_ms["p50"] else None,
    }
    if saturation is not None:
        result["saturation"] = {"seconds": saturation_seconds, **saturation}
    return result


def _figures(samples: Samples, sold: int, wall: float, cpu: float, steal: float) -> dict[str, Any]:
    return {
        "sales": sold,
        "errors": samples.errors,
        "sales_per_second": round(sold / wall, 2),
        "scan_ms": _pct(samples.scan),
        "search_ms": _pct(samples.search),
        "checkout_ms": _pct(samples.checkout),
        "cpu_ms_per_sale": round(cpu * 1000 / sold, 2) if sold else None,
        "cpu_steal_pct": steal,
    }


def main(
    tablets: int,
    seconds: float,
    catalog: int,
    history: int,
    data_dir: Path | None,
    pace: float = 0.0,
    saturation_seconds: float = 15.0,
) -> int:
    if (
        data_dir is not None
        and data_dir.exists()
        and any(data_dir.iterdir())
        and not (data_dir / "minimarket.sqlite").exists()
    ):
        print(f"error: {data_dir} no está vacía y no tiene una tienda", file=sys.stderr)
        return 2
    result = run(
        tablets=tablets,
        seconds=seconds,
        catalog=catalog,
        history=history,
        data_dir=data_dir,
        pace=pace,
        saturation_seconds=saturation_seconds,
    )
    print(json.dumps(result))
    return 0
