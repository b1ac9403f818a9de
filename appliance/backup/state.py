"""The supervisor's lock and the state it reports (read by the health page, possibly from another process)."""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from appliance.backup import config
from appliance.settings import Settings

LOCK_FILE = "supervisor.lock"
STATE_FILE = "supervisor.json"

# Phases, in Spanish because the status page shows them.
WAITING = "esperando destino"
STARTING = "iniciando"
RUNNING = "replicando"
STOPPED = "detenido"


@dataclass
class SupervisorState:
    phase: str = STOPPED
    message: str = ""
    since: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    restarts: int = 0
    last_error: str = ""  # why Litestream last stopped or could not start; cleared once it replicates
    pid: int = field(default_factory=os.getpid)
    child_pid: int | None = None


def state_path(settings: Settings) -> Path:
    return config.runtime_dir(settings) / STATE_FILE


def lock_path(settings: Settings) -> Path:
    return config.runtime_dir(settings) / LOCK_FILE


def read_state(settings: Settings) -> SupervisorState | None:
    """The last state a supervisor wrote, if one is running now (its lock is held)."""
    if not is_running(settings):
        return None
    try:
        data = json.loads(state_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SupervisorState(phase=STARTING)
    known = {k: v for k, v in data.items() if k in SupervisorState.__dataclass_fields__}
    return SupervisorState(**known)


def is_running(settings: Settings) -> bool:
    """Whether some process (this one included) holds the supervisor lock."""
    path = lock_path(settings)
    if not path.exists():
        return False
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False
