"""Boot settings: where the shop's files live and how the server listens.

Business settings (company, prices, layouts …) live in the database; these are only what the box needs before the
database is open. They come from an optional TOML file in the data directory and from MINIMARKET_* environment
variables, and are frozen so nothing changes them behind the app's back.
"""

from __future__ import annotations

import os
import secrets
import socket
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path("/var/lib/minimarket")
CONFIG_FILE_NAME = "minimarket.toml"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    demo: bool = False
    # Session lifetime of a back-office login, in seconds (a working day).
    session_max_age: int = 12 * 3600
    # Where the SII is: None for the SII's own hosts (chosen by the company's environment), or one base URL for all
    # of its services (the local simulator of the demo and the tests).
    sii_url: str | None = None
    # How often the SII queue wakes up to pack, send and ask, in seconds.
    sii_interval: float = 20.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "minimarket.sqlite"

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def imports_dir(self) -> Path:
        return self.data_dir / "imports"

    @classmethod
    def load(cls, data_dir: Path | None = None, **overrides: Any) -> Settings:
        """Settings for a data directory: defaults, then its TOML file, then the environment, then overrides."""
        env = os.environ
        base = Path(data_dir or env.get("MINIMARKET_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
        values: dict[str, Any] = {}
        config_file = base / CONFIG_FILE_NAME
        if config_file.exists():
            with config_file.open("rb") as fh:
                values.update(tomllib.load(fh).get("server", {}))
        if "MINIMARKET_HOST" in env:
            values["host"] = env["MINIMARKET_HOST"]
        if "MINIMARKET_PORT" in env:
            values["port"] = int(env["MINIMARKET_PORT"])
        if "MINIMARKET_SII_URL" in env:
            values["sii_url"] = env["MINIMARKET_SII_URL"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f for f in cls.__dataclass_fields__ if f != "data_dir"}
        settings = cls(data_dir=base, **{k: v for k, v in values.items() if k in known})
        return replace(settings, port=int(settings.port))

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.backups_dir, self.imports_dir):
            path.mkdir(parents=True, exist_ok=True)
        self.secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.secrets_dir, 0o700)


def read_or_create_secret(settings: Settings, name: str, nbytes: int = 32) -> bytes:
    """A random secret kept in the secrets directory (0600), never in the replicated database."""
    settings.ensure_dirs()
    path = settings.secrets_dir / name
    if path.exists():
        return path.read_bytes()
    value = secrets.token_bytes(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(value)
    return value


def lan_address() -> str | None:
    """The box's address on the shop network. A UDP connect picks the outgoing interface without sending anything."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: routed by the table, never contacted
            address = str(s.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") else address


def box_urls(settings: Settings) -> list[str]:
    """Where people reach this box: loopback, and its LAN address when it listens on every interface."""
    port = settings.port
    if settings.host in ("0.0.0.0", "::", ""):
        urls = [f"http://127.0.0.1:{port}"]
        lan = lan_address()
        if lan:
            urls.append(f"http://{lan}:{port}")
        return urls
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return [f"http://{host}:{port}"]


def public_base_url(settings: Settings) -> str:
    """The address a tablet on the shop's Wi-Fi uses: the LAN one when there is one."""
    return box_urls(settings)[-1]
