"""Unit tests of the S3 blob writer (quiver_files/blobs.py) against a fake
client that records the calls: part sizes, the single-request path, the
budget of parts in memory, and what a failure leaves. The writer against a
real S3 API (moto) is tested by the store's contract suite on django-s3."""
import threading
import unittest

import django
from django.conf import settings

if not settings.configured:
    settings.configure()
    django.setup()

from quiver_files import blobs  # noqa: E402
from quiver_files.body import Upload  # noqa: E402

PART = blobs.PART_BYTES


class FakeClient:
    def __init__(self, fail_on_part=None):
        self.calls = []
        self.fail_on_part = fail_on_part
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()

    def put_object(self, Bucket, Key, Body, **params):
        self.calls.append(("put", Key, bytes(Body)))

    def create_multipart_upload(self, Bucket, Key, **params):
        self.calls.append(("create", Key))
        return {"UploadId": "u1"}

    def upload_part(self, Bucket, Key, UploadId, PartNumber, Body):
        if PartNumber == self.fail_on_part:
            raise ConnectionError("cut")
        self.calls.append(("part", PartNumber, bytes(Body)))
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, Bucket, Key, UploadId, MultipartUpload):
        self.calls.append(("complete", [p["PartNumber"] for p in MultipartUpload["Parts"]]))


class FakeBackend:
    bucket_name = "b"

    def _get_write_parameters(self, name, content=None):
        return {"ContentType": "application/octet-stream"}


def source(data):
    position = [0]

    def read(size):
        piece = data[position[0]:position[0] + size]
        position[0] += len(piece)
        return piece

    return Upload(read, "x.csv", 1 << 40, 64 << 10)


def write(data, client):
    blobs._client = client
    blobs._budget = None
    original = blobs._s3_key
    blobs._s3_key = lambda backend, key: key
    try:
        blobs._s3_write(FakeBackend(), "quiver/blobs/k", source(data))
    finally:
        blobs._s3_key = original
        blobs._client = None


class S3Writer(unittest.TestCase):
    def test_under_one_part_is_one_put(self):
        for data in [b"", b"a,b\n", bytes(PART - 1)]:
            client = FakeClient()
            write(data, client)
            self.assertEqual(client.calls, [("put", "quiver/blobs/k", data)])

    def test_parts_of_five_mib_and_a_short_last_one(self):
        data = bytes(range(256)) * ((2 * PART + 12345) // 256 + 1)
        data = data[: 2 * PART + 12345]
        client = FakeClient()
        write(data, client)
        parts = [c for c in client.calls if c[0] == "part"]
        self.assertEqual([len(p[2]) for p in parts], [PART, PART, 12345])
        self.assertEqual(b"".join(p[2] for p in parts), data)
        self.assertEqual(client.calls[-1], ("complete", [1, 2, 3]))

    def test_exactly_one_part(self):
        client = FakeClient()
        write(bytes(PART), client)
        self.assertEqual([c[0] for c in client.calls], ["create", "part", "complete"])

    def test_a_failed_part_raises_and_frees_its_budget(self):
        client = FakeClient(fail_on_part=2)
        with self.assertRaises(ConnectionError):
            write(bytes(3 * PART), client)
        self.assertNotIn("complete", [c[0] for c in client.calls])
        # Every slot of the budget is free again.
        budget = blobs._budget
        slots = 0
        while budget.acquire(blocking=False):
            slots += 1
        self.assertEqual(slots, max(1, (64 << 20) // (2 * PART)))


if __name__ == "__main__":
    unittest.main()
