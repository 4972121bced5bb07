"""The API's perimeter: only requests that came through CloudFront are served, and the viewer's address is
taken from CloudFront's header, parsed strictly.

- CloudFront adds a secret origin header (`X-Contest-Origin`) to every request it sends to the API (an origin
  custom header in infra/template.yaml; a viewer that sends the same header has it overwritten). The handlers
  refuse any request without the right value before routing, parsing or touching the table: the execute-api
  endpoint stays reachable on the internet, but a direct caller gets a 403 and nothing else.
- The comparison runs over fixed-length digests with `hmac.compare_digest` against every accepted value (the
  current one and, during a rotation, the previous one): no early exit, no length oracle.
- `CloudFront-Viewer-Address` ("ip:port"; IPv6 unbracketed as CloudFront writes it, or in brackets) is trusted
  only once the origin header proved the request came through CloudFront, which overwrites that header too.
  Garbage is refused, never guessed at.

Pure rules: no environment, no clock, no AWS library.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re

ORIGIN_HEADER = "x-contest-origin"
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"
MIN_ORIGIN_SECRET_CHARS = 32
_PORT = re.compile(r"[0-9]{1,5}")
_MAX_ADDRESS_CHARS = 64  # "[" + 39-char IPv6 + "]:" + 5-digit port < 64


class MalformedViewerAddress(ValueError):
    """The viewer address header is missing or is not "ip:port"."""


def parse_origin_secret(text: str) -> tuple[str, ...]:
    """The accepted origin header values held by the secret.

    On AWS the secret is JSON: {"current": "...", "previous": "..."} ("previous" only during a rotation,
    infra/stack.py rotate-secret); CloudFront sends "current". A plain string (local stack, tests) is the single
    accepted value. Every value must be long and printable ASCII (an HTTP header value).
    """
    text = text.strip()
    values: list[str]
    if text.startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("current"), str):
            raise ValueError('the origin secret must be {"current": "...", "previous": "..."}')
        values = [data["current"]] + ([data["previous"]] if isinstance(data.get("previous"), str) else [])
    else:
        values = [text]
    for value in values:
        if len(value) < MIN_ORIGIN_SECRET_CHARS or not value.isascii() or not value.isprintable() or " " in value:
            raise ValueError(f"an origin secret value must be at least {MIN_ORIGIN_SECRET_CHARS} printable characters")
    return tuple(dict.fromkeys(values))


def _digest(value: str | bytes) -> bytes:
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return hashlib.sha256(data).digest()


class OriginGuard:
    """Admits a request only if its origin header holds one of the accepted values (constant time)."""

    def __init__(self, accepted: tuple[str, ...]) -> None:
        if not accepted:
            raise ValueError("an origin guard needs at least one accepted value")
        self._accepted = tuple(_digest(value) for value in accepted)

    def admits(self, presented: str | None) -> bool:
        # Every accepted value is compared, whatever the outcome of the first: the time does not depend on which
        # value matched, nor (digests of equal length) on how long the presented value is.
        candidate = _digest(presented or "")
        matched = False
        for expected in self._accepted:
            matched |= hmac.compare_digest(candidate, expected)
        return matched and presented is not None


def parse_viewer_address(value: str | None) -> str:
    """The viewer's IP address from "ip:port", in canonical form (IPv4-mapped IPv6 becomes IPv4).

    Raises MalformedViewerAddress on anything else: missing, empty, no port, a port out of range, a zone index, a list
    of addresses, spaces or control characters.
    """
    if not value or len(value) > _MAX_ADDRESS_CHARS or not value.isascii() or not value.isprintable():
        raise MalformedViewerAddress("missing or malformed")
    if value.startswith("["):
        host, sep, port = value[1:].partition("]:")
        if not sep:
            raise MalformedViewerAddress("bracketed address without a port")
    else:
        host, sep, port = value.rpartition(":")
        if not sep:
            raise MalformedViewerAddress("no port")
    if not _PORT.fullmatch(port) or int(port) > 65535:
        raise MalformedViewerAddress("bad port")
    if "%" in host or not host:
        raise MalformedViewerAddress("zone index or empty host")
    try:
        address = ipaddress.ip_address(host)
    except ValueError as exc:
        raise MalformedViewerAddress("not an IP address") from exc
    if isinstance(address, ipaddress.IPv4Address) and value.startswith("["):
        raise MalformedViewerAddress("IPv4 in brackets")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


IPV6_SUBSCRIBER_PREFIX = 64


def address_key(address: str) -> str:
    """What a per-address control counts: an IPv4 address as it is, an IPv6 address by its /64 — one
    subscriber's allocation, inside which a device may use (and rotate) any of 2^64 addresses."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, IPV6_SUBSCRIBER_PREFIX), strict=False))
    return str(ip)


def viewer_address_header(host: str, port: int) -> str:
    """What CloudFront writes for a viewer at (host, port): the local stack writes the same."""
    return f"{ipaddress.ip_address(host)}:{port}"
