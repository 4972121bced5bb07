"""The HTTP edge shared by every API function: resolver, request parsing, and error mapping (once).

Every error leaves as a 4xx JSON body {"code", "message"} with a Vietnamese message. A 5xx is a bug:
it is logged with its traceback and answered with a fixed body that reveals nothing.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from contest.adapters.observability import logger
from contest.api.validation import validate
from contest.rules import errors
from contest.rules.clock import Clock
from contest.rules.perimeter import (
    ORIGIN_HEADER,
    VIEWER_ADDRESS_HEADER,
    MalformedViewerAddress,
    OriginGuard,
    address_key,
    parse_viewer_address,
)
from contest.services.stored_content import ContentSource

MAX_BODY_BYTES = 64 * 1024
JSON = "application/json; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store"}
PROOF_HEADER = "x-altcha"  # function URLs (payload 2.0) lower-case header names
# The session token travels in its own header, not in Authorization: CloudFront's origin access control replaces a
# viewer's Authorization header with its own SigV4 signature for the function URL (infra/template.yaml,
# FunctionUrlAccessControl), so a bearer token there would never reach the handler.
SESSION_HEADER = "x-contest-session"
# Every answer names the content it was made with and the server's time (ms since the epoch): the site compares the
# version with the one its pages were built with (contest.organisers.sitebuild.page_contest) and keeps the clock offset
# (site/docs/assets/js/core.js, api()), so no page needs GET /api/contest while the two match.
CONTENT_HEADER = "X-Contest-Content"
NOW_HEADER = "X-Contest-Now"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def respond(body: dict[str, Any], status: int = 200) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=_dumps(body), headers=NO_STORE)


def _header(event: Any, name: str) -> str | None:
    headers = event.get("headers") if isinstance(event, Mapping) else None
    value = headers.get(name) if isinstance(headers, Mapping) else None  # API Gateway v2 lower-cases names
    return value if isinstance(value, str) else None


class Stamping(Protocol):
    """What the resolver reads to stamp an answer (contest.api.runtime.Runtime and PublicRuntime have both)."""

    clock: Clock
    content: ContentSource


class GuardedResolver(APIGatewayHttpResolver):
    """The HTTP API resolver that first checks the request came through CloudFront (contest.rules.perimeter):
    before routing, before the body is read, before anything touches the table."""

    def __init__(self, origin: OriginGuard, runtime: Callable[[], Stamping], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.origin = origin
        self.runtime = runtime

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        if not self.origin.admits(_header(event, ORIGIN_HEADER)):
            refused = errors.DirectAccessRefused()
            logger.info("request refused", extra={"code": refused.code, "status": refused.status})
            answer = {
                "statusCode": refused.status,
                "headers": {"Content-Type": JSON, **NO_STORE},
                "body": _dumps(refused.body()),
                "isBase64Encoded": False,
            }
            return self._stamp(answer, load=False)  # nothing touches the table for a refused request
        return self._stamp(super().resolve(event, context), load=True)

    def _stamp(self, answer: dict[str, Any], *, load: bool) -> dict[str, Any]:
        """X-Contest-Now and X-Contest-Content on every answer, errors included (not per route)."""
        headers = answer.setdefault("headers", {})
        runtime = self.runtime()
        headers[NOW_HEADER] = str(int(runtime.clock.now().timestamp() * 1000))
        version = self._version(runtime.content, load)
        if version:
            headers[CONTENT_HEADER] = version
        return answer

    @staticmethod
    def _version(content: ContentSource, load: bool) -> str | None:
        if not load:
            return content.loaded_version()
        try:
            return content.version()
        except errors.ContentMissing:
            return None
        except Exception:  # the answer is already made; a failed read only costs the header
            logger.exception("content version unavailable")
            return None


def make_resolver(origin: OriginGuard, runtime: Callable[[], Stamping]) -> GuardedResolver:
    """The resolver of an API function. `runtime` returns the function's runtime at each request (read then: the
    local stack and the tests rebuild it with their clock after import); its clock and content give every answer
    its X-Contest-Now and X-Contest-Content headers."""
    app = GuardedResolver(origin, runtime, serializer=_dumps)

    @app.exception_handler(errors.ContestError)
    def _contest_error(exc: errors.ContestError) -> Response[str]:
        logger.info("request refused", extra={"code": exc.code, "status": exc.status})
        return respond(exc.body(), exc.status)

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response[str]:
        path = app.current_event.path
        methods = {r.method for r in app._static_routes + app._dynamic_routes if r.rule.match(path)}
        if methods:
            return respond(errors.MethodNotAllowed().body(), 405)
        return respond(errors.NotFound().body(), 404)

    @app.exception_handler(Exception)
    def _bug(exc: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return respond({"code": "INTERNAL_ERROR", "message": "Hệ thống gặp lỗi. Vui lòng thử lại sau."}, 500)

    return app


def _reject_constant(name: str) -> Any:
    raise ValueError(f"constant {name} is not JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key")
        result[key] = value
    return result


def json_body(app: APIGatewayHttpResolver, schema: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, checked for type, size, syntax and schema."""
    event = app.current_event
    raw: str | bytes = event.body or ""
    if optional and not raw:
        return {}
    content_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise errors.UnsupportedMediaType()
    if len(raw) > MAX_BODY_BYTES * 4 // 3 + 4:
        raise errors.PayloadTooLarge()
    if event.is_base64_encoded:
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise errors.InvalidJson() from exc
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge()
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise errors.InvalidJson() from exc
    validate(schema, value)
    return value


def route(
    app: APIGatewayHttpResolver,
    method: str,
    path: str,
    *,
    response: dict[str, Any],
    request: dict[str, Any] | None = None,
    status: int = 200,
    auth: bool = False,
    summary: str = "",
    proof: Callable[[str | None], None] | None = None,
    pace: Callable[[], AbstractContextManager[None]] | None = None,
) -> Callable[[Callable[..., dict[str, Any]]], Callable[[], Response[str]]]:
    """Declare a route once: the body is parsed and validated against `request`, the handler's dict is
    answered with `status`, and the same facts feed the OpenAPI document (see contest.local.openapi).

    `proof`: the route can send an SMS; its `X-Altcha` header (a solved proof-of-work challenge) is checked
    by `proof` before anything else, the body included (contest.rules.proof). `pace`: the route answers at a constant
    time on every path, errors included (contest.api.pacing), so the time never tells whether an SMS was sent."""

    def decorate(func: Callable[..., dict[str, Any]]) -> Callable[[], Response[str]]:
        @functools.wraps(func)
        def endpoint() -> Response[str]:
            with pace() if pace is not None else nullcontext():
                if proof is not None:
                    proof(app.current_event.headers.get(PROOF_HEADER))
                if request is None:
                    return respond(func(), status)
                return respond(func(json_body(app, request, optional=not request.get("required"))), status)

        endpoint.openapi = {  # type: ignore[attr-defined]
            "request": request,
            "response": response,
            "status": status,
            "auth": auth,
            "proof": proof is not None,
            "summary": summary or (func.__doc__ or "").strip(),
        }
        app.route(path, method.upper())(endpoint)
        return endpoint

    return decorate


def bearer(app: APIGatewayHttpResolver) -> str | None:
    """The session token of the request (X-Contest-Session), None when absent or blank."""
    token = (app.current_event.headers.get(SESSION_HEADER) or "").strip()
    return token or None


def client_ip(app: GuardedResolver) -> str:
    """The viewer's address as per-address throttles and review flags count it: IPv4 as is, IPv6 by its /64
    (contest.rules.perimeter.address_key; rotating addresses inside one's own /64 buys nothing).

    Behind CloudFront, sourceIp is the edge node; CloudFront writes `CloudFront-Viewer-Address` ("ip:port",
    IPv6 unbracketed) and overwrites any value a viewer sent. That header is believed only when the request's
    origin header proves CloudFront (or the local stack's adapter) sent it; a missing or malformed address is a
    400, never a guess (an address that cannot be parsed must not become a throttle key nobody shares).
    """
    event = app.current_event
    if not app.origin.admits(event.headers.get(ORIGIN_HEADER)):
        raise errors.DirectAccessRefused()
    try:
        return address_key(parse_viewer_address(event.headers.get(VIEWER_ADDRESS_HEADER)))
    except MalformedViewerAddress as exc:
        raise errors.BadViewerAddress() from exc
