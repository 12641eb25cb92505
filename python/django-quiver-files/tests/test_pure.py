"""Unit tests of the app's pure parts: names, Range, preconditions, and the
streaming multipart reader (run: python -m unittest discover -s tests).
The HTTP behaviour is tested against the running app by the store's
contract suite (tests/store/, through tests/store/django-server.mjs) and the
example's end-to-end tests (tests/django/)."""
import hashlib
import random
import unittest

import django
from django.conf import settings

if not settings.configured:
    settings.configure()
    django.setup()

from quiver_files import names  # noqa: E402
from quiver_files.body import MultipartReader, Upload  # noqa: E402
from quiver_files.http import ALL, UNSATISFIABLE, ApiError, Preconditions, if_range_holds, parse_range  # noqa: E402


class Names(unittest.TestCase):
    def test_allowed(self):
        for good in ["sales.csv", "Q3 report (final).csv", "données-2024.tsv", "a", "console.csv", "COM10.csv", "nul-results.csv", "a.b.c", "日本語のファイル名.csv", "n" * 255, "表" * 85]:
            self.assertEqual(names.check(good), good)

    def test_refused(self):
        cases = [
            "", "..", "../etc/passwd", "a/b", "a\\b", "/etc/passwd", ".env", "x\0y", "x\ny", " x", "x ", "C:evil", "a:b.csv",
            "what?.csv", "star*.csv", "pipe|.csv", 'quote".csv', "<x>.csv",
            "invoice\u202efdp.exe", "x\u200by.csv", "x\u200d.csv", "\ufeffbom.csv", "soft\u00adhyphen.csv", "lrm\u200e.csv",
            "isolate\u2067.csv", "tag\U000E0041.csv", "line\u2028sep.csv", "vs\ufe0f.csv",
            "CON", "con", "NUL.txt", "aux.csv", "Com1", "LPT9.tar.gz", "COM¹.csv", "CON .csv", "prn.", "report.csv.", "report.csv...",
            "n" * 256, "表" * 86, "\udcff.csv",
        ]
        for bad in cases:
            with self.assertRaises(names.InvalidName, msg=repr(bad)):
                names.check(bad)

    def test_nfc(self):
        self.assertEqual(names.check("cafe\u0301.csv"), "caf\u00e9.csv")
        decomposed = "n" * 252 + "e\u0301"
        self.assertEqual(len(decomposed.encode()), 255)
        self.assertEqual(len(names.check(decomposed).encode()), 254)


class Ranges(unittest.TestCase):
    def test_table(self):
        size = 1000
        for header, want in [
            (None, ALL), ("bytes=0-0", (0, 1)), ("bytes=10-19", (10, 20)), ("bytes=990-5000", (990, 1000)), ("bytes=999-", (999, 1000)),
            ("bytes=-5", (995, 1000)), ("bytes=-5000", (0, 1000)), ("bytes=1000-", UNSATISFIABLE), ("bytes=1000-2000", UNSATISFIABLE),
            ("bytes=-0", UNSATISFIABLE), ("bytes=0-1,5-6", ALL), ("bytes=9-3", ALL), ("items=0-5", ALL), ("bytes=x-", ALL), ("bytes=-", ALL),
            ("bytes=٣-5", ALL),  # a digit that is not ASCII
        ]:
            self.assertEqual(parse_range(header, size), want, header)
        self.assertEqual(parse_range("bytes=-5", 0), UNSATISFIABLE)
        self.assertEqual(parse_range("bytes=0-", 0), UNSATISFIABLE)

    def test_if_range(self):
        date = "Thu, 29 Feb 2024 23:59:59 GMT"
        self.assertTrue(if_range_holds(None, '"a"', date))
        self.assertTrue(if_range_holds('"a"', '"a"', date))
        self.assertFalse(if_range_holds('W/"a"', '"a"', date))
        self.assertTrue(if_range_holds(date, '"a"', date))
        self.assertFalse(if_range_holds("Thu, 01 Jan 2015 00:00:00 GMT", '"a"', date))
        self.assertFalse(if_range_holds("not a validator", '"a"', date))


class Conditions(unittest.TestCase):
    def test_writes(self):
        self.assertTrue(Preconditions().allow_write(None))
        self.assertTrue(Preconditions(if_none_match="*").allow_write(None))
        self.assertFalse(Preconditions(if_none_match="*").allow_write('"a"'))
        self.assertFalse(Preconditions(if_match="*").allow_write(None))
        self.assertTrue(Preconditions(if_match='"b", "a"').allow_write('"a"'))
        self.assertFalse(Preconditions(if_match='W/"a"').allow_write('"a"'))
        self.assertFalse(Preconditions(if_none_match='W/"a"').allow_write('"a"'))

    def test_reads(self):
        self.assertIsNone(Preconditions().read_outcome('"a"'))
        self.assertTrue(Preconditions(if_none_match='"a"').read_outcome('"a"'))
        self.assertFalse(Preconditions(if_match='"nope"').read_outcome('"a"'))


def form(boundary, parts, epilogue=b"\r\n"):
    out = b"preamble to ignore\r\n"
    for headers, content in parts:
        out += b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"
    return out + b"--" + boundary + b"--" + epilogue


def reader_over(data, piece):
    """A read(n) over `data` that returns at most `piece` bytes a call."""
    position = 0

    def read(n):
        nonlocal position
        take = data[position : position + min(n, piece)]
        position += len(take)
        return take

    return read


class Multipart(unittest.TestCase):
    boundary = b"----WebKitFormBoundary7MA4YWxkTrZu0gW"

    def parse(self, data, piece, chunk=97):
        out = []
        for part in MultipartReader(reader_over(data, piece), self.boundary, chunk).parts():
            upload = Upload(part.read, part.filename, 1 << 30, chunk)
            content = b"".join(upload.chunks())
            self.assertEqual(upload.sha256, hashlib.sha256(content).hexdigest())
            out.append((part.field, part.filename, content))
        return out

    def test_parts_across_every_cut(self):
        rng = random.Random(7)
        # Content that nearly contains the delimiter, CRLFs at the edges, and random bytes.
        tricky = b"\r\n--" + self.boundary[:-1] + b"X\r\n" + bytes(rng.randrange(256) for _ in range(3000)) + b"\r\n-"
        parts = [
            (b'Content-Disposition: form-data; name="note"', b"not a file"),
            (b'Content-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv', tricky),
            (b'Content-Disposition: form-data; name="file"; filename="\xe8\xa1\xa8.csv"', b""),
            (b'Content-Disposition: form-data; name="file"; filename="b.csv"', b"id,x\n1,2\n"),
        ]
        data = form(self.boundary, parts)
        want = [("note", None, b"not a file"), ("file", "a.csv", tricky), ("file", "表.csv", b""), ("file", "b.csv", b"id,x\n1,2\n")]
        for piece in [1, 2, 3, 7, 41, 64, 1000, len(data)]:
            self.assertEqual(self.parse(data, piece), want, piece)

    def test_no_preamble_and_no_epilogue(self):
        data = b"--" + self.boundary + b'\r\nContent-Disposition: form-data; name="f"; filename="x.csv"\r\n\r\nabc\r\n--' + self.boundary + b"--"
        self.assertEqual(self.parse(data, 5), [("f", "x.csv", b"abc")])

    def test_truncated_forms_are_refused(self):
        data = form(self.boundary, [(b'Content-Disposition: form-data; name="f"; filename="x.csv"', b"a" * 500)])
        for cut in [10, 60, 150, 300, len(data) - len(self.boundary) - 8]:
            with self.assertRaises(ApiError, msg=cut) as caught:
                self.parse(data[:cut], 13)
            self.assertEqual(caught.exception.code, "bad_form")

    def test_not_a_form(self):
        with self.assertRaises(ApiError) as caught:
            self.parse(b"garbage without any boundary" * 10, 50)
        self.assertEqual(caught.exception.code, "bad_form")
        for content_type in ["application/json", "multipart/form-data", "text/plain; boundary=x", ""]:
            with self.assertRaises(ApiError, msg=content_type):
                MultipartReader.boundary_of(content_type)
        self.assertEqual(MultipartReader.boundary_of('multipart/form-data; boundary="zz"'), b"zz")

    def test_size_cap(self):
        data = form(self.boundary, [(b'Content-Disposition: form-data; name="f"; filename="x.csv"', b"a" * 1001)])
        part = next(MultipartReader(reader_over(data, 100), self.boundary, 64).parts())
        upload = Upload(part.read, "x.csv", 1000, 64)
        with self.assertRaises(ApiError) as caught:
            b"".join(upload.chunks())
        self.assertEqual(caught.exception.code, "too_large")


if __name__ == "__main__":
    unittest.main()
