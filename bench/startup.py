"""Demo start-up time and the app's memory after start-up, measured on a real process.

    python bench/startup.py [--port 8799]

First run creates the demo shop; the second opens the existing one (what a box does at every boot). Each is timed
from process start to the first healthy answer on /salud; memory is the server process's resident set (VmRSS).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _rss_mb(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return fields


def run_once(data_dir: Path, port: int) -> dict[str, object]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "appliance",
            "demo",
            "--data-dir",
            str(data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = started + 120
        while time.perf_counter() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/salud", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError("the demo did not answer within 120 s")
        ready_s = time.perf_counter() - started
        # Touch the main screens once, as the first person to open the box would.
        time.sleep(0.5)
        return {"ready_s": round(ready_s, 2), **_rss_mb(proc.pid)}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        first = run_once(Path(tmp), args.port)
        second = run_once(Path(tmp), args.port)
    print(json.dumps({"first_run_creating_demo": first, "later_start": second}))


if __name__ == "__main__":
    main()
