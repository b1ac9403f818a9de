"""One token per channel, reused until the SII refuses it (NOTES §2 step 4).

    cache = TokenCache(fetch=client.fetch_token, label="facturas")
    result = await cache.call(lambda token: upload(token))

`call` runs the operation with the cached token (fetching one if there is none, or if it is older than `max_age`).
When the operation raises `TokenRejected` (HTTP 401, ESTADO 001/002/003, upload STATUS 5), the token is dropped, a
new one is fetched and the operation is retried once; a second refusal is `SiiAuthFailed`. Refused operations were
not received by the SII, so retrying them can never duplicate an upload.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from appliance.sii.clients.errors import SiiAuthFailed, TokenRejected

T = TypeVar("T")

# The SII does not publish a token lifetime; an hour is what is seen. Renewing a little earlier avoids most refusals.
DEFAULT_MAX_AGE = 50 * 60.0


class TokenCache:
    def __init__(
        self,
        fetch: Callable[[], Awaitable[str]],
        *,
        label: str,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._label = label
        self._max_age = max_age
        self._clock = clock
        self._token: str | None = None
        self._obtained_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many tokens were obtained: for tests and the status page

    @property
    def current(self) -> str | None:
        return self._token

    async def get(self) -> str:
        """The cached token, or a fresh one."""
        async with self._lock:
            if self._token is None or self._clock() - self._obtained_at > self._max_age:
                self._token = await self._fetch()
                self._obtained_at = self._clock()
                self.fetches += 1
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the token (only if it is still `token`, so a concurrent renewal is not thrown away)."""
        if token is None or token == self._token:
            self._token = None

    async def call(self, operation: Callable[[str], Awaitable[T]]) -> T:
        token = await self.get()
        try:
            return await operation(token)
        except TokenRejected:
            self.invalidate(token)
        token = await self.get()
        try:
            return await operation(token)
        except TokenRejected as error:
            self.invalidate(token)
            raise SiiAuthFailed(
                f"El SII no aceptó la autenticación ({self._label}) ni con un token recién obtenido: {error.reason}. "
                "Revise que el certificado digital esté vigente y autorizado ante el SII para esta empresa."
            ) from error
