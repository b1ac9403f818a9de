"""The errors the SII document core raises on purpose, each with a Spanish message for the screen."""

from __future__ import annotations

from appliance.core.errors import DomainError


class SiiError(DomainError):
    """Base of every expected failure in `appliance.sii`."""

    default_code = "sii_error"


class SchemaInvalid(SiiError):
    """An XML file does not follow the SII's schema; `messages` lists what the schema validator said."""

    default_code = "sii_schema_invalid"

    def __init__(self, message: str, messages: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.messages = messages


class CafInvalid(SiiError):
    """A CAF file that cannot be read, was altered, or does not fit the company, document type or date."""

    default_code = "sii_caf_invalid"


class CertificateInvalid(SiiError):
    """A signing certificate that cannot be opened, has no RUT, or is not valid at the time of use."""

    default_code = "sii_certificate_invalid"


class DocumentInvalid(SiiError):
    """A document description that the SII would reject (missing data, wrong totals, too many lines…)."""

    default_code = "sii_document_invalid"


class SignatureInvalid(SiiError):
    """An XML signature or a timbre (TED) that does not verify."""

    default_code = "sii_signature_invalid"
