"""A selling loop to kill: `python -m tests.backup.seller DATA_DIR [PAUSE]`.

Sells until killed; after each commit returns it prints `ACK <sale number> <folio> <unix time>` and flushes, so
the test knows exactly which sales were acknowledged, and when, before the SIGKILL.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from appliance.db.engine import Database
from appliance.settings import Settings
from tests.backup.support import sell_one


async def main(data_dir: Path, pause: float) -> None:
    settings = Settings.load(data_dir)
    db = Database(settings.database_path)
    print("READY", flush=True)
    while True:
        result = await sell_one(db, settings)
        print(f"ACK {result.number} {result.folio} {time.time():.6f}", flush=True)
        await asyncio.sleep(pause)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.02))
