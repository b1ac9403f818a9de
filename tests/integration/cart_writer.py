"""A lane scanning without pause, to be killed: `python -m tests.integration.cart_writer DB_PATH CODE`.

Each scan is a cart change as the server commits it (no fsync, db/engine.py); after each commit returns it
prints `ACK <n>` and flushes, so the test knows exactly which scans the tablet would have been told about.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from appliance.db.engine import Database
from appliance.sales import cart


async def main(path: Path, code: str) -> None:
    db = Database(path, background_checkpoints=True)  # the server's handle: no checkpoint inside a commit
    print("READY", flush=True)
    n = 0
    while True:
        async with db.write(durable=False) as session:
            await cart.add_scan(session, 1, code)
        n += 1
        print(f"ACK {n}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
