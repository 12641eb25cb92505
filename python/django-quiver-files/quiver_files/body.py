"""A request body read as it arrives: counted, hashed, capped and timed, and
(for `POST /files`) split into the files of a multipart form without
buffering any of them.

`Body` reads the WSGI input directly (Django's own request stream reads
nothing when there is no Content-Length, which a streamed upload has; a
server that decodes chunked bodies says so with `wsgi.input_terminated`, as
gunicorn does). A body that ends before its Content-Length, or that the
connection loses, is `upload_interrupted`; one silent for BODY_TIMEOUT is
`upload_stalled` (under gunicorn, whose socket the app can reach). `Upload`
is what storage reads a file from (`Storage.save(name, upload)`): it hashes
and counts what passes and stops at the size cap. `MultipartReader` yields
the parts of a form one after another, each readable as a stream; a form
that ends without its closing boundary is interrupted, never a short file.
"""
import hashlib
import socket
import time

from django.utils.http import parse_header_parameters

from .http import ApiError, bad_request


def interrupted(detail):
    return ApiError(400, "upload_interrupted", f"the upload was cut off: {detail}")


def stalled(seconds):
    return ApiError(408, "upload_stalled", f"the upload sent nothing for {seconds} s and was stopped")


def too_large(max_bytes):
    return ApiError(413, "too_large", f"files are limited to {max_bytes} bytes")


class Body:
    """The request body, read straight from the WSGI input."""

    def __init__(self, request, timeout=None):
        environ = request.META
        self._input = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH") or None
        try:
            self.length = int(length) if length is not None else None
        except ValueError:
            raise bad_request("bad_header", f"Content-Length {length!r} is not a number") from None
        if self.length is None and not environ.get("wsgi.input_terminated"):
            raise ApiError(411, "length_required", "this server needs a Content-Length (it cannot read a chunked body)")
        self.received = 0
        self.timeout = timeout
        self._socket = environ.get("gunicorn.socket")
        if self._socket is not None and timeout:
            self._socket.settimeout(timeout)

    @property
    def finished(self):
        return self.length is not None and self.received >= self.length

    def read(self, size):
        """Up to `size` bytes; b"" at the end of the body."""
        if self.length is not None:
            size = min(size, self.length - self.received)
            if size <= 0:
                return b""
        try:
            data = self._input.read(size)
        except (socket.timeout, TimeoutError):
            raise stalled(self.timeout) from None
        except Exception as e:  # the server's reader: a lost connection, a broken chunked encoding
            raise interrupted(f"{type(e).__name__}: {e}") from None
        if not data and self.length is not None and self.received < self.length:
            raise interrupted(f"{self.received} of {self.length} bytes arrived")
        self.received += len(data)
        return data

    def drain(self, limit=None, seconds=None):
        """Reads and drops what is left of a refused upload (for a while), so
        a client still sending reads the answer rather than a reset: all of
        a declared body up to 256 MiB (10 s), else 64 MiB (2 s). A browser
        reports a reset as a lost connection, not as the 413 that says why
        (tests/django/explorer.test.mjs: a 150 MiB file over the cap)."""
        declared = self.length if self.length is not None and self.length <= 256 << 20 else None
        if limit is None:
            limit = declared if declared is not None else 64 << 20
        if seconds is None:
            seconds = 10.0 if declared is not None else 2.0
        until = time.monotonic() + seconds
        try:
            if self._socket is not None:
                self._socket.settimeout(seconds)
            while limit > 0 and time.monotonic() < until:
                data = self.read(min(limit, 256 << 10))
                if not data:
                    break
                limit -= len(data)
        except ApiError:
            pass

    def close(self):
        if self._socket is not None:
            try:
                self._socket.settimeout(None)
            except OSError:
                pass


class Upload:
    """What storage reads one file from: `read(n)` and `chunks()` over a
    source, hashing and counting, refusing past `max_bytes`."""

    def __init__(self, read, name, max_bytes, chunk_bytes, on_progress=None):
        self._read = read
        self.name = name
        self.max_bytes = max_bytes
        self.chunk_bytes = chunk_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._on_progress = on_progress
        self.done = False

    closed = False

    def seekable(self):
        return False

    def readable(self):
        return True

    def read(self, size=-1):
        if self.done:
            return b""
        data = self._read(size if size and size > 0 else self.chunk_bytes)
        if not data:
            self.done = True
            return b""
        self.size += len(data)
        if self.size > self.max_bytes:
            raise too_large(self.max_bytes)
        self._hash.update(data)
        if self._on_progress:
            self._on_progress(self.size)
        return data

    def chunks(self, chunk_size=None):
        while True:
            data = self.read(chunk_size or self.chunk_bytes)
            if not data:
                return
            yield data

    def close(self):
        pass

    @property
    def sha256(self):
        return self._hash.hexdigest()


class MultipartReader:
    """The parts of a multipart/form-data body, in order, each a stream.

    `parts()` yields `Part`s; read one to its end (or not: the next is found
    anyway). Raises bad_form for a body that is not a form, and
    upload_interrupted for one that ends before its closing boundary.
    """

    MAX_HEADERS = 16 << 10
    MAX_PREAMBLE = 64 << 10

    def __init__(self, read, boundary, chunk_bytes=256 << 10):
        self._read = read
        self._chunk = chunk_bytes
        self._buf = bytearray()
        self._eof = False
        self.dash_boundary = b"--" + boundary
        self.delimiter = b"\r\n--" + boundary

    @staticmethod
    def boundary_of(content_type):
        kind, params = parse_header_parameters(content_type or "")
        if kind != "multipart/form-data":
            raise bad_request("bad_form", f"POST /files takes multipart/form-data, not {kind or 'no content type'}")
        boundary = params.get("boundary", "")
        if not boundary or len(boundary) > 200 or not boundary.isascii():
            raise bad_request("bad_form", "the multipart/form-data content type has no usable boundary")
        return boundary.encode("ascii")

    def _fill(self, need):
        while len(self._buf) < need and not self._eof:
            data = self._read(max(self._chunk, need - len(self._buf)))
            if not data:
                self._eof = True
            else:
                self._buf += data

    def _truncated(self):
        # The body itself arrived whole (a cut connection raises in Body.read):
        # a form that stops early is malformed.
        return bad_request("bad_form", "the form ends before its closing boundary")

    def parts(self):
        # The first boundary: at the very start, or after a preamble.
        self._fill(len(self.dash_boundary) + 2)
        if self._buf.startswith(self.dash_boundary):
            del self._buf[: len(self.dash_boundary)]
        else:
            while True:
                at = self._buf.find(self.delimiter)
                if at >= 0:
                    del self._buf[: at + len(self.delimiter)]
                    break
                if self._eof or len(self._buf) > self.MAX_PREAMBLE:
                    raise bad_request("bad_form", "the body has no multipart boundary where the form says")
                self._fill(len(self._buf) + self._chunk)
        while True:
            self._fill(2)
            if self._buf.startswith(b"--"):
                return  # the closing boundary; any epilogue is ignored
            # Optional transport padding, then the line break.
            while self._buf[:1] in (b" ", b"\t"):
                del self._buf[:1]
                self._fill(2)
            if not self._buf.startswith(b"\r\n"):
                raise bad_request("bad_form", "a multipart boundary is not followed by a line break")
            del self._buf[:2]
            headers = self._headers()
            part = Part(self, headers)
            yield part
            part.skip()

    def _headers(self):
        self._fill(2)
        if self._buf.startswith(b"\r\n"):
            del self._buf[:2]
            return {}
        while True:
            end = self._buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if self._eof:
                raise self._truncated()
            if len(self._buf) > self.MAX_HEADERS:
                raise bad_request("bad_form", "a part's headers are too long")
            self._fill(len(self._buf) + 4096)
        raw = bytes(self._buf[:end])
        del self._buf[: end + 4]
        headers = {}
        for line in raw.split(b"\r\n"):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                text = line.decode("latin-1")
            key, sep, value = text.partition(":")
            if not sep:
                raise bad_request("bad_form", f"a part's header line cannot be read: {text[:80]!r}")
            headers[key.strip().lower()] = value.strip()
        return headers

    def _read_part(self, size):
        """Up to `size` bytes of the current part; b"" at its end."""
        delimiter = self.delimiter
        self._fill(len(delimiter) + size)
        at = self._buf.find(delimiter)
        if at < 0:
            if self._eof:
                raise self._truncated()
            take = min(size, len(self._buf) - len(delimiter) + 1)
        elif at == 0:
            del self._buf[: len(delimiter)]
            return b""
        else:
            take = min(size, at)
        data = bytes(self._buf[:take])
        del self._buf[:take]
        return data


class Part:
    """One part of a form: its headers, field name, file name (or None) and bytes."""

    def __init__(self, reader, headers):
        self._reader = reader
        self.headers = headers
        disposition, params = parse_header_parameters(headers.get("content-disposition", ""))
        if disposition != "form-data":
            raise bad_request("bad_form", "a part of the form has no Content-Disposition: form-data")
        self.field = params.get("name")
        self.filename = params.get("filename")
        self._done = False

    def read(self, size=256 << 10):
        if self._done:
            return b""
        data = self._reader._read_part(size)
        if not data:
            self._done = True
        return data

    def skip(self):
        while self.read(1 << 20):
            pass
