"""The off-site copy, measured: commit → replica lag, requests per sale, and requests while the shop is idle.

    python bench/backup_lag.py [--sales 40] [--idle 120] [--sales-per-day 400] [--items 4]

Runs the real Litestream against moto's S3 on 127.0.0.1 (the default sync interval: 1 s), with a shop selling at
the domain level. Counts every request the store receives, and turns the counts into a monthly estimate for a
minimarket (list prices; check the provider's page). Prints JSON, then a summary in Spanish.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appliance.backup.supervisor import Supervisor
from appliance.db.engine import Database
from appliance.sales import cart
from appliance.settings import Settings
from tests.backup.support import (
    BUCKET,
    MILK,
    Moto,
    fully_replicated,
    lag_stats,
    measure_lag,
    prepare_selling,
    s3_l0,
    sell_one,
    use_destination,
    wait_for,
)
from tests.support import make_shop

# USD list prices (2025): per 1,000 requests, and per GB-month. Free tiers noted, not subtracted.
PRICES = {
    "AWS S3": {"put_list": 0.005, "get": 0.0004, "gb": 0.023},
    "Cloudflare R2": {"put_list": 0.0045, "get": 0.00036, "gb": 0.015},  # 1M class A + 10 GB free each month
    "Backblaze B2": {"put": 0.0, "list": 0.004, "get": 0.0004, "gb": 0.006},  # uploads free; 2,500 list/day free
}
_REQUEST = re.compile(r'"(GET|PUT|POST|DELETE|HEAD) (\S+)')


class RequestCounter(logging.Handler):
    """moto's server logs each request it answers; count them by kind."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        found = _REQUEST.search(record.getMessage())
        if found:
            method, url = found.groups()
            self.counts["LIST" if method == "GET" and "list-type" in url else method] += 1

    def take(self) -> Counter[str]:
        counts, self.counts = self.counts, Counter()
        return counts


async def sale_like_a_cashier(db: Database, settings: Settings, items: int, gap: float) -> None:
    """Scans a second or so apart (each scan is its own transaction, as at the counter), then the payment."""
    for _ in range(items - 1):
        async with db.write() as s:
            await cart.add_scan(s, 1, MILK)
        await asyncio.sleep(gap)
    await sell_one(db, settings, items=1)


async def main(args: argparse.Namespace, settings: Settings) -> dict[str, object]:
    counter = RequestCounter()
    werkzeug = logging.getLogger("werkzeug")
    moto = Moto()
    werkzeug.setLevel(logging.INFO)  # Moto() quiets it; here each answered request is counted
    werkzeug.addHandler(counter)
    werkzeug.propagate = False
    moto.start()
    moto.client().create_bucket(Bucket=BUCKET)
    await prepare_selling(settings)
    dest = moto.destination("caja-1")
    use_destination(settings, dest)
    supervisor = Supervisor(settings, poll=0.2)
    await supervisor.start()
    db = Database(settings.database_path)
    try:

        async def running() -> bool:
            return supervisor.state.phase == "replicando"

        await wait_for(running, 60, "Litestream running")
        lags = await measure_lag(settings, s3_l0(moto, dest), args.sales)
        await wait_for(lambda: fully_replicated(settings), 60, "replica caught up")
        await asyncio.sleep(2)
        counter.take()

        started = time.monotonic()
        for _ in range(args.cashier_sales):
            await sale_like_a_cashier(db, settings, args.items, gap=1.0)
            await asyncio.sleep(1.0)
        await asyncio.sleep(2)
        selling = counter.take()
        selling_seconds = time.monotonic() - started

        await asyncio.sleep(args.idle)
        idle = counter.take()
    finally:
        await db.dispose()
        await supervisor.stop()
        moto.stop()
    stats = lag_stats(lags)
    per_sale = {k: v / args.cashier_sales for k, v in selling.items()}
    idle_per_hour = {k: v * 3600 / args.idle for k, v in idle.items()}
    # A month: the shop open `hours` a day selling `sales_per_day`; the rest of the day idle.
    month = Counter[str]()
    for kind, n in per_sale.items():
        month[kind] += n * args.sales_per_day * 30
    for kind, n in idle_per_hour.items():
        month[kind] += n * 24 * 30
    return {
        "lag_s3": {
            "median_s": round(stats.median, 3),
            "p95_s": round(stats.p95, 3),
            "max_s": round(stats.maximum, 3),
            "samples": stats.samples,
        },
        "requests_per_sale": {k: round(v, 2) for k, v in per_sale.items()},
        "selling_seconds": round(selling_seconds, 1),
        "idle_requests_per_hour": {k: round(v) for k, v in idle_per_hour.items()},
        "month_requests": {k: round(v) for k, v in month.items()},
        "month_cost_usd_requests": _cost(month),
        "assumptions": {"sales_per_day": args.sales_per_day, "items_per_sale": args.items, "sync_interval_s": 1.0},
    }


def _cost(month: Counter[str]) -> dict[str, float]:
    writes = month["PUT"] + month["POST"] + month["LIST"]
    out = {
        "AWS S3": writes / 1000 * PRICES["AWS S3"]["put_list"] + month["GET"] / 1000 * PRICES["AWS S3"]["get"],
        "Cloudflare R2": max(0.0, writes - 1_000_000) / 1000 * PRICES["Cloudflare R2"]["put_list"],
        "Backblaze B2": max(0.0, month["LIST"] - 2500 * 30) / 1000 * PRICES["Backblaze B2"]["list"],
    }
    return {k: round(v, 2) for k, v in out.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales", type=int, default=40, help="sales timed for the lag")
    parser.add_argument("--cashier-sales", type=int, default=5, help="sales scanned item by item, for requests/sale")
    parser.add_argument("--items", type=int, default=4)
    parser.add_argument("--idle", type=float, default=120, help="seconds of an idle shop, for background requests")
    parser.add_argument("--sales-per-day", type=int, default=400)
    with tempfile.TemporaryDirectory() as tmp:
        shop = make_shop(Path(tmp) / "shop")
        result = asyncio.run(main(parser.parse_args(), shop))
    print(json.dumps(result, indent=2))
    lag = result["lag_s3"]
    print(
        f"\nRetraso venta → réplica (S3 local, intervalo 1 s): mediana {lag['median_s'] * 1000:.0f} ms, "  # type: ignore[index]
        f"p95 {lag['p95_s'] * 1000:.0f} ms; solicitudes por venta: {result['requests_per_sale']}; "
        f"en reposo por hora: {result['idle_requests_per_hour']}; costo mensual en solicitudes (USD): "
        f"{result['month_cost_usd_requests']}",
        file=sys.stderr,
    )
