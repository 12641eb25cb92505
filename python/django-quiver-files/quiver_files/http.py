"""The HTTP details of the contract (README, "The file store"), as pure
functions: one `Range`, conditional requests (RFC 9110 §13), dates, content
types, and errors as JSON. The same rules as the Rust store
(server/src/range.rs, conditions.rs, error.rs); the contract tests in
tests/store/ hold both.
"""
import json
from email.utils import format_datetime, parsedate_to_datetime

from django.http import HttpResponse

# --- errors -------------------------------------------------------------------


class ApiError(Exception):
    """An answer other than success: a status, a code, a message, maybe headers."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self):
        return error_response(self.status, self.code, self.message, self.headers)


def error_response(status, code, message, headers=None):
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Content-Length"] = str(len(body))
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def bad_request(code, message):
    return ApiError(400, code, message)


# --- Range ----------------------------------------------------------------------

ALL = "all"
UNSATISFIABLE = "unsatisfiable"


def parse_range(header, size):
    """What to send for a `Range` header on a file of `size` bytes: ALL,
    UNSATISFIABLE, or (start, end) with `end` exclusive. One range only;
    several, or a header this server does not understand, get the whole
    file (a server may ignore `Range`)."""
    if header is None:
        return ALL
    header = header.strip()
    if not header.startswith("bytes="):
        return ALL
    spec = header[len("bytes="):].strip()
    if "," in spec or "-" not in spec:
        return ALL
    first, last = (s.strip() for s in spec.split("-", 1))

    def number(s):
        return int(s) if s.isascii() and s.isdigit() else None

    if not first and last:  # bytes=-N: the last N bytes
        n = number(last)
        if n is None:
            return ALL
        if n == 0 or size == 0:
            return UNSATISFIABLE
        return (max(0, size - n), size)
    if first and not last:  # bytes=A-
        a = number(first)
        if a is None:
            return ALL
        return (a, size) if a < size else UNSATISFIABLE
    if first and last:  # bytes=A-B, B clamped
        a, b = number(first), number(last)
        if a is None or b is None or a > b:
            return ALL
        if a >= size:
            return UNSATISFIABLE
        return (a, min(b + 1, size))
    return ALL


# --- conditional requests -------------------------------------------------------

ANY = "*"


def parse_tags(header):
    """`*`, or the list of entity tags in an If-Match / If-None-Match header."""
    if header is None:
        return None
    if header.strip() == "*":
        return ANY
    return [t.strip() for t in header.split(",") if t.strip()]


def _matches_strong(tags, current):
    return tags == ANY or current in tags


def _matches_weak(tags, current):
    return tags == ANY or any((t[2:] if t.startswith("W/") else t) == current for t in tags)


class Preconditions:
    """The If-Match / If-None-Match a request carries."""

    def __init__(self, if_match=None, if_none_match=None):
        self.if_match = parse_tags(if_match)
        self.if_none_match = parse_tags(if_none_match)

    @classmethod
    def of(cls, request):
        return cls(request.headers.get("If-Match"), request.headers.get("If-None-Match"))

    def allow_write(self, current):
        """Whether a write may replace `current` (the ETag now, or None when
        there is no file by that name)."""
        if self.if_match is not None:
            if current is None or not _matches_strong(self.if_match, current):
                return False
        if self.if_none_match is not None and current is not None and _matches_weak(self.if_none_match, current):
            return False
        return True

    def read_outcome(self, current):
        """For a read: False → 412, True → 304, None → send the file."""
        if self.if_match is not None and not _matches_strong(self.if_match, current):
            return False
        if self.if_none_match is not None and _matches_weak(self.if_none_match, current):
            return True
        return None


def precondition_failed(current):
    if current is None:
        message = "the request's If-Match names a version, and there is no file by that name"
    else:
        message = f"the file's current version is {current} (ETag), not one the request allows"
    return ApiError(412, "precondition_failed", message)


def if_range_holds(if_range, etag, last_modified):
    """Whether a Range may be honoured given If-Range (absent → yes). A tag
    must match strongly; a date must equal Last-Modified exactly."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith('"') or value.startswith("W/"):
        return value == etag
    try:
        return parsedate_to_datetime(value) == parsedate_to_datetime(last_modified)
    except (TypeError, ValueError, IndexError):
        return False


# --- dates and types -------------------------------------------------------------


def rfc3339(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(moment):
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def content_type(name):
    """From the name alone: the contents are never looked at."""
    lower = name.lower()
    for suffix, kind in ((".csv", "text/csv"), (".tsv", "text/tab-separated-values"), (".json", "application/json"), (".txt", "text/plain")):
        if lower.endswith(suffix):
            return kind
    return "application/octet-stream"
