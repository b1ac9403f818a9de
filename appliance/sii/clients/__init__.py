"""Clients of the SII's web services, async over httpx, speaking the real protocol (NOTES §1–3).

    from appliance.sii.clients import SiiClient, SiiHosts

    async with SiiClient(SiiHosts.for_ambiente("certificacion"), cert) as sii:
        uploaded = await sii.upload(EnvelopeKind.ENVIO_DTE, envelope_xml, rut_company=company_rut)
        status = await sii.envelope_status(EnvelopeKind.ENVIO_DTE, uploaded.track_id, rut_company=company_rut)

`DteSoapClient` (facturas/notas: CrSeed, GetTokenFromSeed, DTEUpload, QueryEstUp, QueryEstDte) and
`BoletaRestClient` (boletas: semilla, token, envío, estado) can be used on their own. Failures are
`SiiClientError`s with Spanish messages; results are frozen dataclasses. Nothing here touches the database.
"""

from appliance.sii.clients.boleta_rest import BoletaRestClient
from appliance.sii.clients.client import SiiClient
from appliance.sii.clients.errors import (
    SiiAuthFailed,
    SiiBadAnswer,
    SiiBusy,
    SiiClientError,
    SiiQueryFailed,
    SiiUnreachable,
    SiiUploadRejected,
)
from appliance.sii.clients.hosts import Ambiente, SiiHosts
from appliance.sii.clients.results import (
    Channel,
    DocumentResult,
    DocumentStatus,
    DocumentVerdict,
    EnvelopeStatus,
    TypeCounts,
    UploadResult,
)
from appliance.sii.clients.soap import DteSoapClient
from appliance.sii.clients.tokens import TokenCache

__all__ = [
    "Ambiente",
    "BoletaRestClient",
    "Channel",
    "DocumentResult",
    "DocumentStatus",
    "DocumentVerdict",
    "DteSoapClient",
    "EnvelopeStatus",
    "SiiAuthFailed",
    "SiiBadAnswer",
    "SiiBusy",
    "SiiClient",
    "SiiClientError",
    "SiiHosts",
    "SiiQueryFailed",
    "SiiUnreachable",
    "SiiUploadRejected",
    "TokenCache",
    "TypeCounts",
    "UploadResult",
]
