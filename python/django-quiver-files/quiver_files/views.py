"""The HTTP contract of Quiver's file store (README, "The file store") as
Django REST framework views, so the Data Explorer works against Django the
same as against the Rust store (server/). The contract tests in tests/store/
run against both.

Every request passes, in this order: the Host check (middleware.py), the
write-origin check (a write whose Origin is not allowed: 403
`forbidden_origin`), Django/DRF authentication and permissions (401
`unauthorized`; IsAuthenticated by default), and the cross-site POST check
(a POST with a form's content type must carry X-Requested-With: 403
`cross_site_write`). No DRF parser ever reads a body: uploads stream it to
storage themselves (body.py), and `request.POST` is set empty beforehand so
that Django's CSRF check (for session logins) reads the X-CSRFToken header
instead of parsing a multipart body into temporary files. Errors are JSON:
`{"error": {"code", "message"}}`.
"""
import logging
import re
from urllib.parse import unquote_to_bytes

from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.module_loading import import_string
from django.contrib.auth import SESSION_KEY
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from . import conf, names, store
from .blobs import BlobMissing, open_range
from .body import Body, MultipartReader, Upload, too_large
from .http import (
    ALL,
    UNSATISFIABLE,
    ApiError,
    Preconditions,
    bad_request,
    content_type,
    error_response,
    http_date,
    if_range_holds,
    parse_range,
    precondition_failed,
    rfc3339,
)

log = logging.getLogger("quiver_files")


class _JsonOnly(BaseContentNegotiation):
    """Answers are JSON or a file, whatever Accept says."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _json(data, status=200, headers=None):
    from django.http import JsonResponse

    response = JsonResponse(data, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def described(row):
    return {"name": row.name, "size": row.size, "sha256": row.sha256, "uploaded": rfc3339(row.uploaded)}


_SIMPLE_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
_WRITES = {"PUT", "POST", "PATCH", "DELETE"}


class StoreView(APIView):
    renderer_classes = [JSONRenderer]
    parser_classes = []
    content_negotiation_class = _JsonOnly

    def get_authenticators(self):
        classes = conf.get("AUTHENTICATION_CLASSES")
        classes = [import_string(c) if isinstance(c, str) else c for c in classes] if classes is not None else api_settings.DEFAULT_AUTHENTICATION_CLASSES
        return [c() for c in classes]

    def get_permissions(self):
        classes = conf.get("PERMISSION_CLASSES")
        if classes is None:
            classes = ["rest_framework.permissions.AllowAny" if conf.get("ALLOW_ANONYMOUS") else "rest_framework.permissions.IsAuthenticated"]
        return [(import_string(c) if isinstance(c, str) else c)() for c in classes]

    def get_throttles(self):
        return super().get_throttles()

    def initialize_request(self, request, *args, **kwargs):
        # Nothing may parse the body (see the module's comment).
        request._post, request._files = QueryDict(), MultiValueDict()
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        if request.method in _WRITES:
            self._check_origin(request)
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            kind = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
            simple = not kind or kind in _SIMPLE_TYPES
            vouched = any(h in request.headers for h in ("X-Requested-With", "Tus-Resumable", "Authorization", "X-CSRFToken"))
            if simple and not vouched:
                raise ApiError(
                    403,
                    "cross_site_write",
                    "a POST with a form's content type must carry X-Requested-With (any value), which a page on another site cannot send without this server's consent",
                )
        store.maybe_sweep()

    def _check_origin(self, request):
        origin = request.headers.get("Origin")
        if origin is None:
            return
        allowed = list(conf.get("ALLOWED_ORIGINS") or [])
        own = f"{request.scheme}://{request.get_host()}"
        if origin != own and origin not in allowed:
            raise ApiError(403, "forbidden_origin", f"pages from {origin} may not write here (allowed: this site and {', '.join(allowed) or 'no other'})")

    def handle_exception(self, exc):
        if isinstance(exc, ApiError):
            return exc.response()
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            headers = {}
            challenge = self.get_authenticate_header(self.request)
            if challenge:
                headers["WWW-Authenticate"] = challenge
            return error_response(401, "unauthorized", str(exc.detail), headers)
        if isinstance(exc, exceptions.PermissionDenied):
            return error_response(403, "forbidden", str(exc.detail))
        if isinstance(exc, exceptions.MethodNotAllowed):
            return error_response(405, "method_not_allowed", str(exc.detail), {"Allow": ", ".join(self.allowed_methods)})
        if isinstance(exc, exceptions.Throttled):
            return error_response(429, "throttled", str(exc.detail), {"Retry-After": str(exc.wait or 1)})
        if isinstance(exc, exceptions.APIException):
            return error_response(exc.status_code, exc.default_code, str(exc.detail))
        log.exception("quiver_files: %s %s failed", self.request.method, self.request.path)
        return error_response(500, "internal", f"the server failed: {type(exc).__name__}")

    # --- helpers -----------------------------------------------------------------

    def scope(self, request):
        user = getattr(request, "user", None)
        if conf.get("PER_USER") and user is not None and user.is_authenticated:
            return str(user.pk)
        return ""

    def owner(self, request):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    def file_name(self, request, name):
        """The name in the path: from the raw request line when the server
        gives it (so `%2F`, `%00` and bytes that are not UTF-8 are seen as
        sent), decoded, then checked."""
        raw_uri = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
        if raw_uri:
            path = raw_uri.split("?", 1)[0]
            segment = path.rsplit("/", 1)[-1]
            try:
                name = unquote_to_bytes(segment).decode("utf-8")
            except UnicodeDecodeError:
                raise bad_request("invalid_name", "the file name in the path is not UTF-8") from None
        try:
            return names.check(name)
        except names.InvalidName as e:
            raise bad_request("invalid_name", str(e)) from None

    def body(self, request):
        return Body(request, timeout=conf.get("BODY_TIMEOUT"))

    def still_logged_in(self, request):
        """An upload authenticated by a session whose login ended while the
        body streamed (logged out elsewhere, expired) is not stored: 401
        `login_expired`. Checked just before the commit."""
        if not isinstance(getattr(request, "successful_authenticator", None), SessionAuthentication):
            return
        session = getattr(request._request, "session", None)
        if session is None or not session.session_key:
            return
        fresh = session.__class__(session_key=session.session_key)
        if fresh.get(SESSION_KEY) is None:
            raise ApiError(401, "login_expired", "the login ended while the file was uploading, so it was not stored; log in again and upload it again")


class HealthView(StoreView):
    def get(self, request):
        return _json({"ok": True})


class FilesView(StoreView):
    """GET /files (the list) and POST /files (a multipart form)."""

    def get(self, request):
        def number(key, default):
            value = request.query_params.get(key)
            if value is None or value == "":
                return default
            if not re.fullmatch(r"[0-9]{1,15}", value):
                raise bad_request("bad_query", f"{key} is a whole number, not {value!r}")
            return int(value)

        offset = number("offset", 0)
        limit = min(number("limit", 100), 1000)
        total, rows = store.listing(self.scope(request), offset, limit)
        return _json({"files": [described(r) for r in rows], "total": total, "offset": offset, "limit": limit})

    def post(self, request):
        boundary = MultipartReader.boundary_of(request.META.get("CONTENT_TYPE"))
        preconditions = Preconditions.of(request)
        scope = self.scope(request)
        max_bytes = conf.get("MAX_BYTES")
        chunk = conf.get("CHUNK_BYTES")
        body = self.body(request)
        stagings = []
        try:
            form = MultipartReader(body.read, boundary, chunk)
            for part in form.parts():
                if part.filename is None:
                    continue
                try:
                    name = names.check(part.filename)
                except names.InvalidName as e:
                    raise bad_request("invalid_name", str(e)) from None
                if any(s.name == name for s in stagings):
                    raise bad_request("duplicate_name", f"the form has two files named {name!r}")
                if not preconditions.allow_write(store.current_etag(scope, name)):
                    raise precondition_failed(store.current_etag(scope, name))
                stagings.append(store.stage(name, Upload(part.read, name, max_bytes, chunk)))
            if not stagings:
                raise bad_request("no_file", "the form has no file field")
            self.still_logged_in(request)
            stored = store.commit(scope, stagings, preconditions, self.owner(request))
        except BaseException as e:
            for s in stagings:
                s.discard()
            if isinstance(e, ApiError) and e.code not in ("upload_interrupted", "upload_stalled"):
                body.drain()
            raise
        finally:
            body.close()
        return _json({"files": [described(r) for r in stored]}, status=201)


class FileView(StoreView):
    """GET, HEAD, PUT and DELETE /files/{name}."""

    def put(self, request, name):
        name = self.file_name(request, name)
        scope = self.scope(request)
        max_bytes = conf.get("MAX_BYTES")
        body = self.body(request)
        staging = None
        try:
            if body.length is not None and body.length > max_bytes:
                raise too_large(max_bytes)
            preconditions = Preconditions.of(request)
            current = store.current_etag(scope, name)
            if not preconditions.allow_write(current):
                raise precondition_failed(current)
            staging = store.stage(name, Upload(body.read, name, max_bytes, conf.get("CHUNK_BYTES")))
            self.still_logged_in(request)
            (stored,) = store.commit(scope, [staging], preconditions, self.owner(request))
        except BaseException as e:
            if staging is not None:
                staging.discard()
            if isinstance(e, ApiError) and e.code not in ("upload_interrupted", "upload_stalled"):
                body.drain()
            raise
        finally:
            body.close()
        return _json(described(stored), status=201, headers={"ETag": stored.etag})

    def get(self, request, name):
        return self._read(request, name, head=False)

    def head(self, request, name):
        return self._read(request, name, head=True)

    def _read(self, request, name, head):
        name = self.file_name(request, name)
        scope = self.scope(request)
        preconditions = Preconditions.of(request)
        # A version replaced between reading its row and opening its blob is
        # looked up again: each answer is one version, whole.
        for attempt in range(4):
            row = store.describe(scope, name)
            if row is None:
                raise ApiError(404, "not_found", f"there is no file named {name!r}")
            etag = row.etag
            last_modified = http_date(row.uploaded)
            headers = {
                "Accept-Ranges": "bytes",
                "Content-Type": content_type(name),
                "Cache-Control": "no-cache",
                "ETag": etag,
                "Last-Modified": last_modified,
            }
            outcome = preconditions.read_outcome(etag)
            if outcome is True:
                return _plain(304, headers)
            if outcome is False:
                raise precondition_failed(etag)
            size = row.size
            wanted = parse_range(request.headers.get("Range"), size) if if_range_holds(request.headers.get("If-Range"), etag, last_modified) else ALL
            if wanted == UNSATISFIABLE:
                raise ApiError(416, "range_not_satisfiable", f"the file has {size} bytes", {"Content-Range": f"bytes */{size}", "ETag": etag})
            if wanted == ALL:
                status, start, end = 200, 0, size
            else:
                status, (start, end) = 206, wanted
                headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
            headers["Content-Length"] = str(end - start)
            if head or end == start:
                return _plain(status, headers)
            try:
                chunks = open_range(row.blob, start, end, conf.get("CHUNK_BYTES"))
            except BlobMissing:
                if attempt < 3:
                    continue
                raise ApiError(503, "storage", "the file kept changing while it was opened; try again") from None
            response = StreamingHttpResponse(chunks, status=status)
            for key, value in headers.items():
                response[key] = value
            return response

    def delete(self, request, name):
        name = self.file_name(request, name)
        if not store.delete(self.scope(request), name, Preconditions.of(request)):
            raise ApiError(404, "not_found", f"there is no file named {name!r}")
        return HttpResponse(status=204)


def _plain(status, headers):
    response = HttpResponse(status=status)
    for key, value in headers.items():
        response[key] = value
    return response


class NoRouteView(StoreView):
    """Anything else under the app: 404 `no_route`, as JSON (after the same
    checks as every route, so an anonymous caller learns nothing)."""

    def _no_route(self, request, *args, **kwargs):
        raise ApiError(404, "no_route", 'no such endpoint (see the README, "The file store")')

    get = post = put = patch = delete = head = options = _no_route
