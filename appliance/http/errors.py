"""How failures reach people: Spanish pages for the browser, precise JSON for the API, a login redirect when needed."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template

from appliance.core.errors import DomainError
from appliance.http.auth import DEVICE_COOKIE
from appliance.http.edge import INTERNAL_ERROR_TEXT, request_id

log = logging.getLogger("appliance.http")

TITLES = {
    400: "Datos no válidos",
    401: "Inicie sesión",
    403: "Sin permiso",
    404: "No encontrado",
    405: "Acción no permitida",
    413: "Archivo demasiado grande",
    429: "Demasiados intentos",
    500: "Error interno",
}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error(request: Request[Any, Any, Any], status: int, code: str, message: str, **extra: Any) -> Response[Any]:
    rid = request_id(request.scope)
    if wants_json(request):
        return Response(
            {"error": code, "message": message, "request_id": rid, **extra},
            status_code=status,
            media_type=MediaType.JSON,
        )
    return Template(
        template_name="error.html",
        context={
            "title": TITLES.get(status, "Error"),
            "message": message,
            "status": status,
            "user": request.scope.get("user"),
            "messages": [],
            "path": request.url.path,
            "request_id": rid if status >= 500 else None,
        },
        status_code=status,
    )


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    fields = getattr(exc, "fields", None)
    return _error(request, 400, exc.code, exc.message, **({"fields": fields} if fields else {}))


def not_authorized(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    if wants_json(request):
        return _error(request, 401, "not_authenticated", "Inicie sesión para continuar.")
    path = request.url.path
    if (path == "/caja" or path.startswith("/caja/")) and request.cookies.get(DEVICE_COOKIE):
        # A paired tablet with nobody signed in (its home-screen icon opens /caja): the cashiers' PIN pad.
        return Redirect(path="/caja/pin", status_code=303)
    target = path + (f"?{request.url.query}" if request.url.query else "")
    if len(target) > 2000:
        target = path[:2000]
    return Redirect(path=f"/login?next={quote(target)}", status_code=303)


def permission_denied(request: Request[Any, Any, Any], exc: PermissionDeniedException) -> Response[Any]:
    if type(exc).__name__ == "CsrfRefused":
        return _error(
            request, 403, "csrf", "El formulario expiró o no es válido. Recargue la página e intente de nuevo."
        )
    if type(exc).__name__ == "UnpairedDevice":
        if wants_json(request):
            return _error(request, 403, "device_not_paired", str(exc.detail))
        return Redirect(path="/emparejar", status_code=303)
    return _error(
        request,
        403,
        "forbidden",
        "Su usuario no tiene permiso para esta pantalla o acción. Si lo necesita, pida acceso a un administrador.",
    )


def not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    return _error(request, 404, "not_found", "La página o el registro que busca no existe.")


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug, not bad input: the traceback goes to the log under the request's id, the person gets the id."""
    log.error(
        "unhandled error on %s %s [request %s]",
        request.method,
        request.url.path,
        request_id(request.scope),
        exc_info=exc,
    )
    return _error(request, 500, "internal_error", INTERNAL_ERROR_TEXT)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        return internal_error(request, exc)
    message = {
        400: "La solicitud no es válida.",
        405: "Esa acción no está permitida aquí.",
        413: "El archivo o el formulario es demasiado grande.",
    }.get(status, str(exc.detail))
    return _error(request, status, "http_error", message)


HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    NotAuthorizedException: not_authorized,
    PermissionDeniedException: permission_denied,
    NotFoundException: not_found,
    HTTPException: http_error,
    Exception: internal_error,
}
