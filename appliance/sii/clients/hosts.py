"""Where the SII's services live (NOTES §1), by environment, every base URL overridable.

    hosts = SiiHosts.for_ambiente("certificacion")                # maullin / apicert / pangal
    hosts = SiiHosts.for_ambiente("produccion")                   # palena / api / rahue
    hosts = SiiHosts.local("http://127.0.0.1:8123")               # the local simulator serves them all
    hosts = SiiHosts.from_config({"ambiente": "certificacion", "url": "http://127.0.0.1:8123"})

Four bases: the SOAP services and DTEUpload share one host (maullin/palena); the boleta REST API uses one host for
seed, token and status (apicert/api) and another for uploads (pangal/rahue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from appliance.core.rut import Rut


class Ambiente(StrEnum):
    CERTIFICACION = "certificacion"
    PRODUCCION = "produccion"


_DEFAULTS = {
    Ambiente.CERTIFICACION: ("https://maullin.sii.cl", "https://apicert.sii.cl", "https://pangal.sii.cl"),
    Ambiente.PRODUCCION: ("https://palena.sii.cl", "https://api.sii.cl", "https://rahue.sii.cl"),
}

_BOLETA_PREFIX = "/recursos/v1/boleta.electronica"

# Environment variables read by `SiiHosts.from_environ` (the caller passes os.environ, or its own mapping).
ENV_AMBIENTE = "MINIMARKET_SII_AMBIENTE"
ENV_URL = "MINIMARKET_SII_URL"  # one base for everything (the simulator)
ENV_SOAP_URL = "MINIMARKET_SII_SOAP_URL"
ENV_BOLETA_API_URL = "MINIMARKET_SII_BOLETA_API_URL"
ENV_BOLETA_UPLOAD_URL = "MINIMARKET_SII_BOLETA_UPLOAD_URL"


@dataclass(frozen=True)
class SiiHosts:
    """The base URLs (scheme://host[:port], no trailing slash) of the SII's services."""

    ambiente: Ambiente
    soap: str  # CrSeed, GetTokenFromSeed, QueryEstUp, QueryEstDte and DTEUpload
    boleta_api: str  # boleta.electronica.semilla / .token / .envio/{rut}-{dv}-{trackid}
    boleta_upload: str  # boleta.electronica.envio (POST)

    def __post_init__(self) -> None:
        for name in ("soap", "boleta_api", "boleta_upload"):
            value = getattr(self, name)
            if not value.startswith(("http://", "https://")):
                raise ValueError(f"{name} must be an http(s) URL, not {value!r}")
            object.__setattr__(self, name, value.rstrip("/"))

    @classmethod
    def for_ambiente(cls, ambiente: Ambiente | str, *, url: str | None = None) -> SiiHosts:
        """The SII's own hosts for `ambiente`, or `url` for all of them (a simulator)."""
        which = Ambiente(ambiente)
        if url is not None:
            return cls(which, url, url, url)
        soap, api, upload = _DEFAULTS[which]
        return cls(which, soap, api, upload)

    @classmethod
    def local(cls, url: str, ambiente: Ambiente | str = Ambiente.CERTIFICACION) -> SiiHosts:
        """Every service at `url`: the local simulator."""
        return cls.for_ambiente(ambiente, url=url)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SiiHosts:
        """From a settings table: `ambiente` (default certificación), `url` for all, or `soap_url`, `boleta_api_url`,
        `boleta_upload_url` one by one."""
        hosts = cls.for_ambiente(str(config.get("ambiente", Ambiente.CERTIFICACION)), url=_opt(config.get("url")))
        return hosts.with_overrides(
            soap=_opt(config.get("soap_url")),
            boleta_api=_opt(config.get("boleta_api_url")),
            boleta_upload=_opt(config.get("boleta_upload_url")),
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SiiHosts:
        """From MINIMARKET_SII_AMBIENTE, MINIMARKET_SII_URL and the per-service MINIMARKET_SII_*_URL variables."""
        return cls.from_config(
            {
                "ambiente": environ.get(ENV_AMBIENTE, Ambiente.CERTIFICACION),
                "url": environ.get(ENV_URL),
                "soap_url": environ.get(ENV_SOAP_URL),
                "boleta_api_url": environ.get(ENV_BOLETA_API_URL),
                "boleta_upload_url": environ.get(ENV_BOLETA_UPLOAD_URL),
            }
        )

    def with_overrides(
        self, *, soap: str | None = None, boleta_api: str | None = None, boleta_upload: str | None = None
    ) -> SiiHosts:
        return replace(
            self,
            soap=soap or self.soap,
            boleta_api=boleta_api or self.boleta_api,
            boleta_upload=boleta_upload or self.boleta_upload,
        )

    # SOAP channel (facturas, notas): NOTES §1.
    @property
    def crseed(self) -> str:
        return f"{self.soap}/DTEWS/CrSeed.jws"

    @property
    def get_token_from_seed(self) -> str:
        return f"{self.soap}/DTEWS/GetTokenFromSeed.jws"

    @property
    def query_est_up(self) -> str:
        return f"{self.soap}/DTEWS/QueryEstUp.jws"

    @property
    def query_est_dte(self) -> str:
        return f"{self.soap}/DTEWS/QueryEstDte.jws"

    @property
    def dte_upload(self) -> str:
        return f"{self.soap}/cgi_dte/UPL/DTEUpload"

    # Boleta REST channel: NOTES §1.
    @property
    def boleta_semilla(self) -> str:
        return f"{self.boleta_api}{_BOLETA_PREFIX}.semilla"

    @property
    def boleta_token(self) -> str:
        return f"{self.boleta_api}{_BOLETA_PREFIX}.token"

    @property
    def boleta_envio(self) -> str:
        return f"{self.boleta_upload}{_BOLETA_PREFIX}.envio"

    def boleta_estado(self, rut_company: Rut, track_id: str) -> str:
        return f"{self.boleta_api}{_BOLETA_PREFIX}.envio/{rut_company.number}-{rut_company.dv}-{track_id}"


def _opt(value: object) -> str | None:
    return str(value) if value else None
