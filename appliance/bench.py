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

`--login-flood N` measures the counter under a password-guessing attack: for the whole measured phase, N clients in a
process of their own (bench_client.py) post wrong passwords to /login as fast as the server answers; their answers,
counted by status, are reported under "login_flood".

The bench sells, pairs tablets and sets the cashier's PIN: it only runs in a shop it built or the demo shop (the same
builder makes both), never in any other data directory (refusal()).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import re
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

# The bench sells as the demo's cashier, with the demo's PIN: a demo shop it runs on keeps the PIN its README gives.
CASHIER, PIN = "cajero", "1234"
DEMO_HINT = "minimarket demo"
_CSRF = (
    re.compile(r'<meta name="csrf-token" content="([^"]+)"'),
    re.compile(r'name="_csrf_token" value="([^"]+)"'),
)
# What the tablets scan: products the counter sells without a question (no «¿trae envase?», no age check).
_BARCODES_SQL = (
    "SELECT b.code FROM product_barcodes b JOIN products p ON p.id = b.product_id "
    "WHERE p.active AND p.unit = 'unit' AND NOT p.age_restricted AND p.container_product_id IS NULL"
)


class NotABenchShop(Exception):
    """The data directory holds a shop the bench must not sell in; the message says why, for people."""


def refusal(data_dir: Path) -> str | None:
    """Why the bench will not run on `data_dir`, or None. It builds its own shop in an empty (or new) folder, and
    reuses a shop only when it is one it built or the demo shop (both made by `minimarket demo`'s builder): it sells
    there, pairs tablets and sets the cashier's PIN, which it must never do to a real shop."""
    from appliance.demo.people import generate_company

    if not data_dir.exists() or not any(data_dir.iterdir()):
        return None
    database = Settings.load(data_dir).database_path
    if not database.exists():
        return (
            f"error: {data_dir} no está vacía y no tiene una tienda: indique una carpeta vacía (o nueva) para que el "
            "benchmark construya en ella su tienda de prueba"
        )
    not_ours = (
        f"error: {data_dir} no es una tienda de prueba del benchmark ni de demostración ({DEMO_HINT}): el benchmark "
        "vende, empareja tablets y cambia el PIN del cajero, así que solo corre en una de esas. Indique una carpeta "
        "vacía (o ninguna) para que construya la suya"
    )
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            company = conn.execute("SELECT rut, environment FROM company WHERE id = 1").fetchone()
            cashier = conn.execute(
                "SELECT count(*) FROM users WHERE username = ? AND role = 'cajero' AND active", (CASHIER,)
            ).fetchone()[0]
            sellable = conn.execute(f"SELECT count(*) FROM ({_BARCODES_SQL} LIMIT 1)").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return not_ours  # not even the tables of a shop
    if company is None or tuple(company) != (generate_company().rut, "certificacion"):
        return not_ours
    if not cashier:
        return (
            f"error: {data_dir} es una tienda de demostración, pero sin el usuario «{CASHIER}» (cajero, activo) con el "
            "que venden las tablets del benchmark"
        )
    if not sellable:
        return f"error: {data_dir} es una tienda de demostración, pero sin productos con código de barras para vender"
    return None


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
            cashier = await s.scalar(
                select(User).where(User.username == CASHIER, User.role == "cajero", User.active).limit(1)
            )
            if cashier is None:
                raise NotABenchShop(f"error: la tienda no tiene el usuario «{CASHIER}» (cajero, activo)")
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


def _csrf_token(html: str) -> str | None:
    """The page's CSRF token: its `<meta name="csrf-token">`, else a form's `_csrf_token` hidden input."""
    for pattern in _CSRF:
        if found := pattern.search(html):
            return found.group(1)
    return None


async def _sign_in(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    """PIN sign-in and an open cash session: the headers the tablet's requests carry from then on.

    The CSRF token is read again from a page served after each step that may change the session (the PIN, the cash
    session): a server that binds the token to the session gives a new one then, and one that does not, the same."""
    _device, user_id, _lane = token.split("|")
    page = await client.get("/caja/pin")
    csrf = _csrf_token(page.text)
    if csrf is None:
        raise RuntimeError(f"GET /caja/pin: {page.status_code}, sin formulario de PIN")
    signed = await client.post("/caja/pin", data={"user_id": user_id, "pin": PIN, "_csrf_token": csrf})
    if signed.status_code >= 400:
        raise RuntimeError(f"POST /caja/pin: {signed.status_code}, la tablet no pudo ingresar con el PIN")
    turno = await client.get("/caja/turno")
    csrf = _csrf_token(turno.text) or csrf
    if "Abrir caja" in turno.text:
        opened = await client.post("/caja/turno/abrir", data={"opening_float": "50000", "_csrf_token": csrf})
        if opened.status_code >= 400:
            raise RuntimeError(f"POST /caja/turno/abrir: {opened.status_code}, no se pudo abrir la caja")
        csrf = _csrf_token((await client.get("/caja/turno")).text) or csrf
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
    login_flood: int = 0,
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
        barcodes = [r[0] for r in conn.execute(f"{_BARCODES_SQL} ORDER BY random() LIMIT 2000")]
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
        flood_figures: dict[str, Any] | None = None
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/salud", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            backup_wait = asyncio.run(_backup_caught_up(settings))

            def drive(
                phase_seconds: float, phase_pace: float, rounds: int | None = None, flood: int = 0
            ) -> dict[str, Any]:
                samples = Samples()

                async def tablets_selling() -> tuple[int, float, float, float]:
                    nonlocal flood_figures
                    async with contextlib.AsyncExitStack() as stack:
                        # The flood's process starts first, so its start-up overlaps the tablets signing in.
                        flooding = await stack.enter_async_context(LoginFlood(port, flood)) if flood else None
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
                        if flooding is not None:
                            await flooding.start()
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
                        if flooding is not None:
                            flood_figures = await flooding.stop()
                        return sum(sold), wall, _cpu_seconds(server.pid) - cpu_before, steal

                sold, wall, cpu, steal = asyncio.run(tablets_selling())
                return _figures(samples, sold, wall, cpu, steal)

            # One sale per tablet first, not measured: the first receipt, template and certificate load once per boot.
            drive(60, 0.0, rounds=1)
            prints_wait = _prints_drained(settings.database_path)
            measured = drive(seconds, pace, flood=login_flood)
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
    if flood_figures is not None:
        result["login_flood"] = flood_figures
    return result


class LoginFlood:
    """`--login-flood N`: N clients posting wrong passwords to /login for the whole measured phase, from a process
    of their own (bench_client.py) so that their CPU is not spent inside the tablets' event loop. The process only
    connects to 127.0.0.1; it floods from start() to stop(), and ends by itself if the bench goes away (its input
    closes) or after its own time limit."""

    LIMIT = 3_600.0

    def __init__(self, port: int, clients: int) -> None:
        self._port, self._clients = port, clients
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> LoginFlood:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "appliance.bench_client",
            "--port",
            str(self._port),
            "--clients",
            str(self._clients),
            "--limit",
            str(self.LIMIT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        return self

    async def _line(self, within: float) -> str:
        assert self._process is not None and self._process.stdout is not None
        return (await asyncio.wait_for(self._process.stdout.readline(), within)).decode().strip()

    async def _say(self, word: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(f"{word}\n".encode())
        await self._process.stdin.drain()

    async def start(self) -> None:
        """Once every flooding client holds its login form: the flood begins."""
        ready = await self._line(120)
        if ready != "listo":
            raise RuntimeError(f"la inundación de /login no arrancó ({ready or 'sin respuesta'})")
        await self._say("go")

    async def stop(self) -> dict[str, Any]:
        await self._say("stop")
        figures: dict[str, Any] = json.loads(await self._line(60))
        return figures

    async def __aexit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the end of its input: it stops flooding
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


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
    login_flood: int = 0,
) -> int:
    if login_flood < 0:
        print("error: --login-flood debe ser 0 o más clientes", file=sys.stderr)
        return 2
    if data_dir is not None and (why := refusal(data_dir)):
        print(why, file=sys.stderr)
        return 2
    try:
        result = run(
            tablets=tablets,
            seconds=seconds,
            catalog=catalog,
            history=history,
            data_dir=data_dir,
            pace=pace,
            saturation_seconds=saturation_seconds,
            login_flood=login_flood,
        )
    except NotABenchShop as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0
