"""Just enough S3 for "probar conexión": PUT, GET and DELETE of one small object, signed with AWS Signature V4.

Litestream does the real replication; this exists so the back office can say in plain Spanish whether the bucket,
endpoint and keys work, without shipping an AWS SDK in the product. The signing is checked against botocore's in
the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpx

from appliance.backup.destination import S3Destination, S3Keys


@dataclass(frozen=True)
class S3Error(Exception):
    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def object_url(dest: S3Destination, key: str) -> str:
    """Path style whenever an endpoint is given (every S3-compatible provider accepts it), virtual host on AWS."""
    quoted = quote(key, safe="/-_.~")
    if dest.endpoint or dest.force_path_style:
        base = dest.endpoint or f"https://s3.{dest.region}.amazonaws.com"
        return f"{base}/{dest.bucket}/{quoted}"
    return f"https://{dest.bucket}.s3.{dest.region}.amazonaws.com/{quoted}"


def sign(method: str, url: str, body: bytes, keys: S3Keys, region: str, now: datetime | None = None) -> dict[str, str]:
    """The headers that authenticate one request (SigV4, service "s3", payload hashed)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    parts = urlsplit(url)
    host = parts.netloc
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical_headers = "".join(f"{k}:{headers[k]}\n" for k in sorted(headers))
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    canonical = "\n".join([method, parts.path or "/", query, canonical_headers, signed, payload])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{keys.secret_access_key}".encode(), day), region), "s3"), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-content-sha256": payload,
        "x-amz-date": amz_date,
        "authorization": (
            f"AWS4-HMAC-SHA256 Credential={keys.access_key_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
        ),
    }


class S3Client:
    def __init__(self, dest: S3Destination, keys: S3Keys, *, seconds: float = 10.0) -> None:
        self.dest = dest
        self.keys = keys
        # trust_env=False: the box's proxy variables and AWS_CA_BUNDLE must not change where this goes.
        self._http = httpx.AsyncClient(timeout=seconds, trust_env=False)

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, key: str, body: bytes = b"") -> bytes:
        url = object_url(self.dest, key)
        headers = sign(method, url, body, self.keys, self.dest.region)
        response = await self._http.request(method, url, content=body, headers=headers)
        if response.status_code >= 300:
            code = _tag(response.text, "Code") or response.reason_phrase
            raise S3Error(response.status_code, code, _tag(response.text, "Message"))
        return response.content

    async def put(self, key: str, body: bytes) -> None:
        await self._call("PUT", key, body)

    async def get(self, key: str) -> bytes:
        return await self._call("GET", key)

    async def delete(self, key: str) -> None:
        await self._call("DELETE", key)


def _tag(xml: str, name: str) -> str:
    found = re.search(rf"<{name}>([^<]*)</{name}>", xml)
    return found.group(1) if found else ""
