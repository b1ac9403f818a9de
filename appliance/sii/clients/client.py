"""One object for both channels, chosen by the envelope's kind: what the outbox worker holds.

async with SiiClient(SiiHosts.for_ambiente("certificacion"), cert) as sii:
    uploaded = await sii.upload(EnvelopeKind.ENVIO_BOLETA, xml, rut_company=company)
    status = await sii.envelope_status(EnvelopeKind.ENVIO_BOLETA, uploaded.track_id, rut_company=company)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from appliance.core.rut import Rut
from appliance.sii.certificate import Certificate
from appliance.sii.clients import transport
from appliance.sii.clients.boleta_rest import BoletaRestClient
from appliance.sii.clients.hosts import SiiHosts
from appliance.sii.clients.results import EnvelopeStatus, UploadResult
from appliance.sii.clients.soap import DteSoapClient
from appliance.sii.clients.tokens import DEFAULT_MAX_AGE
from appliance.sii.envelope import EnvelopeKind


class SiiClient:
    """Both channels over one HTTP connection pool, each with its own token."""

    def __init__(
        self,
        hosts: SiiHosts,
        cert: Certificate,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float = transport.DEFAULT_TIMEOUT,
        token_max_age: float = DEFAULT_MAX_AGE,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._own_http = http is None
        self.http = http if http is not None else transport.new_http_client(timeout)
        self.hosts = hosts
        self.dte = DteSoapClient(hosts, cert, http=self.http, token_max_age=token_max_age, now=now)
        self.boleta = BoletaRestClient(hosts, cert, http=self.http, token_max_age=token_max_age, now=now)

    def channel(self, kind: EnvelopeKind) -> DteSoapClient | BoletaRestClient:
        return self.boleta if kind is EnvelopeKind.ENVIO_BOLETA else self.dte

    async def upload(self, kind: EnvelopeKind, envelope: bytes, *, rut_company: Rut) -> UploadResult:
        filename = f"{kind.value}.xml"
        return await self.channel(kind).upload(envelope, rut_company=rut_company, filename=filename)

    async def envelope_status(self, kind: EnvelopeKind, track_id: str, *, rut_company: Rut) -> EnvelopeStatus:
        return await self.channel(kind).envelope_status(track_id, rut_company=rut_company)

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> SiiClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()
