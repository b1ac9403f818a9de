"""The simulated SII's memory: seeds, tokens, received envelopes (tracks), documents, upload counts, faults.

Tracks, documents and upload counts are written to `state_dir/state.json` (atomically) after every change, and
each received file to `state_dir/envelopes/{trackid}.xml`, so a restarted simulator still answers for them. Seeds
and tokens live in memory only: after a restart every token is unknown, as after a real SII session loss.
Everything is guarded by one lock: the HTTP server runs in its own thread while tests inject faults from theirs.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from appliance.sii.caf import sii_signer_keys
from appliance.sii.caf_issuer import LOCAL_IDK
from appliance.sii.simulator.checks import DocumentRef, EnvelopeCheck, Override

STATE_FILE = "state.json"
ENVELOPE_DIR = "envelopes"
_TOKEN_ALPHABET = string.ascii_uppercase + string.digits


class Endpoint(StrEnum):
    """Groups of the SII's endpoints that a fault can target."""

    AUTH = "auth"  # CrSeed, GetTokenFromSeed, boleta semilla/token
    UPLOAD = "upload"  # DTEUpload, boleta envío
    STATUS = "status"  # QueryEstUp, QueryEstDte, boleta estado


class FaultMode(StrEnum):
    # Answer only after `seconds`, so the client times out: by default without processing the request (then 504);
    # with stage "after", the request is processed first and only the answer is late (the SII got the upload).
    HANG = "hang"
    HTTP_500 = "http_500"  # HTTP 500 "Error 500"
    HTML = "html"  # HTTP 200 with an HTML error page instead of XML/JSON
    BUSY = "busy"  # HTTP 429 (or `status`: 503, 405) with Retry-After


@dataclass
class RequestFault:
    mode: FaultMode
    endpoints: frozenset[Endpoint] = frozenset(Endpoint)
    times: int | None = None  # how many requests it hits; None: until cleared
    seconds: float = 0.0  # HANG
    after: bool = False  # HANG: process the request, then hang (the SII received it; the answer is lost)
    status: int = 429  # BUSY
    retry_after: int | None = 5  # BUSY

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RequestFault:
        endpoints = data.get("endpoints")
        return cls(
            mode=FaultMode(str(data["mode"])),
            endpoints=frozenset(Endpoint(e) for e in endpoints) if endpoints else frozenset(Endpoint),
            times=int(data["times"]) if data.get("times") is not None else None,
            seconds=float(data.get("seconds", 0.0)),
            after=data.get("stage", "before") == "after" or bool(data.get("after", False)),
            status=int(data.get("status", 429)),
            retry_after=int(data["retry_after"]) if data.get("retry_after") is not None else None,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["endpoints"] = sorted(e.value for e in self.endpoints)
        data["mode"] = self.mode.value
        return data


@dataclass
class SimulatorConfig:
    state_dir: Path
    # CAF-signing keys trusted besides the SII's own 100 and 300: (IDK, key), e.g. a LocalCafAuthority's.
    trusted_caf_keys: tuple[tuple[int, rsa.RSAPublicKey], ...] = ()
    processing_delay: float = 2.0  # REC → final state after this many seconds
    seed_ttl: float = 120.0  # a seed is valid about two minutes (Autenticación automática, chapter 2)
    token_ttl: float = 3600.0
    reject_at_upload: bool = False  # DTEUpload answers STATUS 7/8 at once instead of RSC/RFR later

    def all_trusted_keys(self) -> tuple[tuple[int, rsa.RSAPublicKey], ...]:
        sii = {**sii_signer_keys("certificacion"), **sii_signer_keys("produccion")}
        return (*sii.items(), *self.trusted_caf_keys)


def load_caf_key(pem: bytes, idk: int = LOCAL_IDK) -> tuple[int, rsa.RSAPublicKey]:
    """A CAF-signing key from a PEM file: a public key, or a private key (a LocalCafAuthority's `to_pem`)."""
    try:
        key: object = serialization.load_pem_public_key(pem)
    except ValueError:
        private = serialization.load_pem_private_key(pem, None)
        key = private.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("a CAF-signing key must be RSA")
    return idk, key


@dataclass
class Token:
    holder: str  # the certificate holder's RUT, "13185095-6"
    channel: str  # "dte" or "boleta"
    issued_at: float


@dataclass
class Track:
    track_id: str
    channel: str
    rut_emisor: str
    rut_envia: str
    file_name: str
    file_hash: str
    received_at: float
    final_state: str
    glosa: str
    errors: list[str] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)

    def state_at(self, now: float, delay: float) -> str:
        elapsed = now - self.received_at
        if elapsed >= delay:
            return self.final_state
        if elapsed >= delay / 2 and self.final_state != "RSC":
            return "SOK"
        return "REC"

    def counts(self) -> list[dict[str, int]]:
        by_type: dict[int, dict[str, int]] = {}
        for document in self.documents:
            counts = by_type.setdefault(
                int(document["tipo"]),
                {"tipo": int(document["tipo"]), "informados": 0, "aceptados": 0, "rechazados": 0, "reparos": 0},
            )
            counts["informados"] += 1
            key = {"DOK": "aceptados", "RPR": "reparos", "RCH": "rechazados"}[str(document["estado"])]
            counts[key] += 1
        return [by_type[tipo] for tipo in sorted(by_type)]


class SimulatorState:
    def __init__(self, config: SimulatorConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.seeds: dict[str, float] = {}
        self.tokens: dict[str, Token] = {}
        self.tracks: dict[str, Track] = {}
        self.documents: dict[str, dict[str, Any]] = {}  # "rut/tipo/folio" → last verdict and data
        self.uploads: dict[str, int] = {}  # "rut/tipo/folio" → uploads that reached the simulated SII
        self.envelopes_received = 0
        self.next_track = 1001
        self.faults: list[RequestFault] = []
        self.overrides: dict[tuple[int, int], Override] = {}
        config.state_dir.mkdir(parents=True, exist_ok=True)
        (config.state_dir / ENVELOPE_DIR).mkdir(exist_ok=True)
        self._load()

    # Seeds and tokens.

    def new_seed(self) -> str:
        with self.lock:
            now = self.clock()
            self.seeds = {seed: t for seed, t in self.seeds.items() if now - t < self.config.seed_ttl}
            seed = f"{secrets.randbelow(10**12):012d}"
            self.seeds[seed] = now
            return seed

    def take_seed(self, seed: str) -> str | None:
        """Uses a seed up: None if valid, else the SII's GLOSA for ESTADO 08."""
        with self.lock:
            issued = self.seeds.get(seed)
            if issued is None:
                return "NO Existe SEED"
            if self.clock() - issued >= self.config.seed_ttl:
                del self.seeds[seed]
                return "TIME-OUT DEL SEED"
            del self.seeds[seed]
            return None

    def new_token(self, holder: str, channel: str) -> str:
        with self.lock:
            token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(13))
            self.tokens[token] = Token(holder=holder, channel=channel, issued_at=self.clock())
            return token

    def token(self, value: str | None, channel: str) -> tuple[Token | None, str]:
        """The token, or None with the ESTADO that says why (001 no token, 002 inactive, 003 unknown)."""
        with self.lock:
            if not value:
                return None, "001"
            found = self.tokens.get(value)
            if found is None or found.channel != channel:
                return None, "003"
            if self.clock() - found.issued_at >= self.config.token_ttl:
                return None, "002"
            return found, ""

    def expire_tokens(self) -> int:
        """Every token becomes inactive (for tests of token renewal)."""
        with self.lock:
            for token in self.tokens.values():
                token.issued_at = -self.config.token_ttl
            return len(self.tokens)

    # Uploads.

    def count_upload(self, refs: Iterable[DocumentRef]) -> None:
        with self.lock:
            self.envelopes_received += 1
            for ref in refs:
                self.uploads[ref.key] = self.uploads.get(ref.key, 0) + 1
            self._save()

    def track_with_hash(self, digest: str) -> Track | None:
        with self.lock:
            return next((track for track in self.tracks.values() if track.file_hash == digest), None)

    def accepted_before(self, ref: DocumentRef) -> bool:
        with self.lock:
            known = self.documents.get(ref.key)
            return known is not None and known["estado"] in ("DOK", "RPR")

    def add_track(
        self,
        *,
        channel: str,
        check: EnvelopeCheck,
        file_name: str,
        digest: str,
        data: bytes,
        rut_sender: str,
        rut_company: str,
    ) -> Track:
        with self.lock:
            track_id = str(self.next_track)
            self.next_track += 1
            track = Track(
                track_id=track_id,
                channel=channel,
                rut_emisor=rut_company,  # the upload form's company: whose envelope it is
                rut_envia=check.rut_envia or rut_sender,
                file_name=file_name,
                file_hash=digest,
                received_at=self.clock(),
                final_state=check.final_state,
                glosa=check.glosa,
                errors=list(check.errors),
                documents=[
                    {
                        "tipo": document.ref.tipo,
                        "folio": document.ref.folio,
                        "estado": document.estado,
                        "errors": [dict(error) for error in document.errors],
                        "fecha_emision": document.fecha_emision,
                        "monto": document.monto,
                        "rut_receptor": document.rut_receptor,
                    }
                    for document in check.documents
                ],
            )
            self.tracks[track_id] = track
            for document in check.documents:
                self.documents[document.ref.key] = {"estado": document.estado, "track_id": track_id}
            self._write_envelope(track_id, data)
            self._save()
            return track

    def rejected_track(self, *, channel: str, rut_emisor: str, rut_sender: str, file_name: str, digest: str) -> Track:
        """A repeated file on the boleta API: received, then RPT."""
        check = EnvelopeCheck("RPT", "Rechazado por envio repetido", rut_emisor=rut_emisor, rut_envia=rut_sender)
        return self.add_track(
            channel=channel,
            check=check,
            file_name=file_name,
            digest=digest,
            data=b"",
            rut_sender=rut_sender,
            rut_company=rut_emisor,
        )

    def state_of(self, track: Track) -> str:
        return track.state_at(self.clock(), self.config.processing_delay)

    def document(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            known = self.documents.get(key)
            if known is None:
                return None
            track = self.tracks.get(str(known["track_id"]))
            if track is None or self.state_of(track) != track.final_state:
                return None
            data = next((d for d in track.documents if f"{track.rut_emisor}/{d['tipo']}/{d['folio']}" == key), None)
            return data

    # Faults.

    def add_fault(self, fault: RequestFault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()
            self.overrides.clear()

    def take_fault(self, endpoint: Endpoint) -> RequestFault | None:
        """The first fault that applies to `endpoint`, counted as used."""
        with self.lock:
            for fault in self.faults:
                if endpoint in fault.endpoints:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
            return None

    def set_override(self, tipo: int, folio: int, override: Override | None) -> None:
        with self.lock:
            if override is None:
                self.overrides.pop((tipo, folio), None)
            else:
                self.overrides[(tipo, folio)] = override

    # Reports.

    def uploads_report(self) -> dict[str, Any]:
        with self.lock:
            documents = []
            for key, count in sorted(self.uploads.items()):
                rut, tipo, folio = key.split("/")
                documents.append({"rut_emisor": rut, "tipo": int(tipo), "folio": int(folio), "uploads": count})
            return {"envelopes": self.envelopes_received, "documents": documents}

    def upload_count(self, tipo: int, folio: int, rut_emisor: str | None = None) -> int:
        with self.lock:
            return sum(
                count
                for key, count in self.uploads.items()
                if key.endswith(f"/{tipo}/{folio}") and (rut_emisor is None or key.startswith(f"{rut_emisor}/"))
            )

    # Persistence.

    def _write_envelope(self, track_id: str, data: bytes) -> None:
        if data:
            path = self.config.state_dir / ENVELOPE_DIR / f"{track_id}.xml"
            path.write_bytes(data)

    def _save(self) -> None:
        payload = {
            "next_track": self.next_track,
            "envelopes_received": self.envelopes_received,
            "uploads": self.uploads,
            "documents": self.documents,
            "tracks": [asdict(track) for track in self.tracks.values()],
        }
        path = self.config.state_dir / STATE_FILE
        temporary = path.with_name(f".{path.name}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    def _load(self) -> None:
        path = self.config.state_dir / STATE_FILE
        if not path.exists():
            return
        payload = json.loads(path.read_text(encoding="utf-8"))
        self.next_track = int(payload.get("next_track", self.next_track))
        self.envelopes_received = int(payload.get("envelopes_received", 0))
        self.uploads = {str(k): int(v) for k, v in payload.get("uploads", {}).items()}
        self.documents = dict(payload.get("documents", {}))
        self.tracks = {str(data["track_id"]): Track(**data) for data in payload.get("tracks", [])}
