"""What both SII channels share: the certificate, an HTTP pool (own or lent), a token cache, and their lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Self

import httpx

from appliance.sii.certificate import Certificate
from appliance.sii.clients import transport
from appliance.sii.clients.hosts import SiiHosts
from appliance.sii.clients.tokens import DEFAULT_MAX_AGE, TokenCache


class ChannelClient:
    token_label = ""  # how the token is named in Spanish messages

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
        self.hosts = hosts
        self.cert = cert
        self._own_http = http is None  # a lent pool (SiiClient's) is closed by its owner
        self.http = http if http is not None else transport.new_http_client(timeout)
        self._now = now or (lambda: datetime.now(UTC))
        self.tokens = TokenCache(self.fetch_token, label=self.token_label, max_age=token_max_age)

    async def fetch_token(self) -> str:
        raise NotImplementedError

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()
