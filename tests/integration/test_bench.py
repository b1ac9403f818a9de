"""`minimarket bench` end to end on a small shop: a real server process, tablets signing in and selling over HTTP,
and one JSON object of figures on the last line. No figure is asserted against a target here: speed is read from
the benchmark's output, not from a timed test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _replica_bytes(replica: Path) -> int:
    return sum(f.stat().st_size for f in replica.rglob("*.ltx"))


def test_bench_sells_over_http_and_prints_its_figures(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    command = [
        sys.executable,
        "-m",
        "appliance",
        "bench",
        "--tablets",
        "2",
        "--seconds",
        "2",
        "--catalog",
        "200",
        "--history",
        "300",
        "--data-dir",
        str(shop),
    ]
    done = subprocess.run(
        [*command, "--pace", "0.05", "--saturation-seconds", "1", "--login-flood", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["tablets"] == 2 and figures["errors"] == 0 and figures["sales"] > 0
    # Five scans, a search and a checkout per sale, each timed.
    assert figures["scan_ms"]["n"] == 5 * figures["checkout_ms"]["n"]
    assert figures["search_ms"]["n"] == figures["checkout_ms"]["n"] >= figures["sales"]
    for name in ("scan_ms", "search_ms", "checkout_ms", "floor_ms"):
        assert 0 < figures[name]["p50"] <= figures[name]["p95"] <= figures[name]["p99"]
    assert figures["cpu_ms_per_sale"] > 0 and figures["server_peak_memory_mb"] > 0
    assert 0 <= figures["cpu_steal_pct"] <= 100
    saturation = figures["saturation"]
    assert saturation["errors"] == 0 and saturation["sales"] > 0
    # It measured once the off-site copy (Litestream, to a folder) held the whole new shop.
    assert figures["backup_wait_s"] is not None
    assert figures["prints_wait_s"] >= 0  # the warm-up's receipts printed before the clock started
    # Two clients posted wrong passwords to /login, from their own process, while the tablets sold: each answer
    # counted by status (wrong password, or refused for trying too often), none a refused form (403).
    flood = figures["login_flood"]
    assert flood["clients"] == 2 and flood["seconds"] > 0
    assert sum(flood["requests"].values()) > 0 and set(flood["requests"]) <= {"401", "429"}
    assert "login_flood" not in saturation
    replica = shop / "replica"
    database = (shop / "minimarket.sqlite").stat().st_size
    assert _replica_bytes(replica) > database / 2

    # The shop built in DIR is used again by the next run, not rebuilt.
    again = subprocess.run(
        [*command, "--pace", "0"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    second = json.loads(again.stdout.strip().splitlines()[-1])
    assert second["build_s"] < figures["build_s"]
    assert "login_flood" not in second
