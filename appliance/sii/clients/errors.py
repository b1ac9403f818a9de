"""What can go wrong talking to the SII, each with a Spanish message for the back office.

Every failure is an `SiiClientError` (an `SiiError`, so a `DomainError`): `message` is shown as is, `code` is stable
for machines, `retryable` tells the outbox whether trying again later can help. The outbox worker needs three more
facts, carried by the subclasses: whether an upload that failed may nevertheless have reached the SII
(`SiiUnreachable.maybe_received`), how long to wait (`SiiBusy.retry_after`), and whether the SII says it already
has the file (`SiiUploadRejected.already_received`).
"""

from __future__ import annotations

from appliance.sii.errors import SiiError


class SiiClientError(SiiError):
    """Base of every failure of the SII web-service clients."""

    default_code = "sii_client_error"
    retryable: bool = True


class SiiUnreachable(SiiClientError):
    """No answer: the connection was refused, timed out, or was cut.

    `maybe_received` is True when the request may have reached the SII before the connection failed (a read timeout
    or a cut connection after sending): an upload in that state must not be blindly repeated.
    """

    default_code = "sii_unreachable"

    def __init__(self, message: str, *, maybe_received: bool = False) -> None:
        super().__init__(message)
        self.maybe_received = maybe_received


class SiiBusy(SiiClientError):
    """The SII asked to slow down (HTTP 405, 429 or 503); `retry_after` is its Retry-After in seconds, if it said."""

    default_code = "sii_busy"

    def __init__(self, message: str, *, retry_after: float | None, http_status: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.http_status = http_status


class SiiBadAnswer(SiiClientError):
    """An answer that is not what the service promises: an HTML page, "Error 500", a SOAP fault, broken XML/JSON,
    or XML without the status it must carry. Never read as success."""

    default_code = "sii_bad_answer"

    def __init__(self, message: str, *, http_status: int, excerpt: str = "", retryable: bool = True) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.excerpt = excerpt
        self.retryable = retryable


class SiiAuthFailed(SiiClientError):
    """The SII refused to authenticate: no seed, a seed or signature it rejected, or a token refused again right
    after being renewed. `estado` is the SII's code when it gave one."""

    default_code = "sii_auth_failed"
    retryable = False

    def __init__(self, message: str, *, estado: str = "") -> None:
        super().__init__(message)
        self.estado = estado


class SiiUploadRejected(SiiClientError):
    """DTEUpload answered a STATUS other than 0: the file was not received (except STATUS 99, already received)."""

    default_code = "sii_upload_rejected"

    def __init__(
        self, message: str, *, status: int, detail: str = "", retryable: bool = False, track_id: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.retryable = retryable
        self.track_id = track_id  # with STATUS 99, the earlier TrackID if the SII named it

    @property
    def already_received(self) -> bool:
        """STATUS 99: the SII already has this very file. Do not upload it again; find its documents' state."""
        return self.status == 99


class SiiQueryFailed(SiiClientError):
    """A status query the SII answered with an error code instead of a state (unknown TrackID, wrong company…)."""

    default_code = "sii_query_failed"

    def __init__(self, message: str, *, estado: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.estado = estado
        self.retryable = retryable


class TokenRejected(Exception):
    """Internal signal: the SII did not accept the token (HTTP 401, ESTADO 001/002/003, upload STATUS 5).

    `tokens.TokenCache.call` turns it into one renewal and one retry, then into `SiiAuthFailed`.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
