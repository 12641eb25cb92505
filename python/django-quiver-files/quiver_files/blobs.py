"""Blobs on Django's storage API: write once from a stream, read a byte range
as a stream, delete. Any `Storage` works through `save()` / `open()` /
`delete()`; S3 (django-storages' `S3Storage`) gets three things the generic
API lacks: writes as a multipart upload of 5 MiB parts under one budget of
upload memory for the whole process (`UPLOAD_MEMORY`; boto3's transfer
manager, which `save()` uses, holds several parts per upload and threads
of its own: 30–40 MB per upload, 630 MB with 16 uploads at once, measured
by tests/store/memory.test.mjs on django-s3), ranged reads straight from S3
(its `open()` would first copy the whole object into a temporary file) and
aborting a multipart upload that a crashed process left pending.

What must change with this module: `store.py` (who calls it) and the S3
notes in the README ("The Django app").
"""
import threading
import uuid

from django.core.files.storage import storages

from . import conf

# S3's smallest part (all but the last must be at least this).
PART_BYTES = 5 << 20
_budget = None
_budget_lock = threading.Lock()


def _parts_budget():
    """The process's semaphore of parts in memory: UPLOAD_MEMORY // (2 ×
    PART_BYTES), at least one. A part costs twice its size: its buffer, and
    the copy botocore holds while it sends it (12 parts at once added 120 MB:
    tests/store/memory.test.mjs on django-s3). An upload waiting for room
    does not read its body."""
    global _budget
    with _budget_lock:
        if _budget is None:
            _budget = threading.BoundedSemaphore(max(1, conf.get("UPLOAD_MEMORY") // (2 * PART_BYTES)))
        return _budget


def storage():
    return storages[conf.get("STORAGE")]


def new_key():
    return f"{conf.get('PREFIX').strip('/')}/blobs/{uuid.uuid4().hex}"


_client = None


def _s3_client(backend):
    """One boto3 client for every thread of the process (clients are
    thread-safe). S3Storage keeps a boto3 session per thread, and each
    loads its own copy of the S3 service model: about 20 MB per thread,
    300 MB of a 16-thread worker (tests/store/memory.test.mjs on django-s3)."""
    global _client
    with _budget_lock:
        if _client is None:
            _client = backend.connection.meta.client
        return _client


def prepare():
    """Makes the shared S3 client when the storage is S3 (AppConfig.ready)."""
    backend = storage()
    if _is_s3(backend):
        _s3_client(backend)


def _is_s3(backend):
    # On the class: reading `backend.bucket` would open the thread's own session.
    return hasattr(type(backend), "bucket") and hasattr(backend, "_normalize_name")


def _s3_key(backend, key):
    from storages.utils import clean_name

    return backend._normalize_name(clean_name(key))


def write(key, content):
    """Streams `content` (an object with `chunks()` and `read()`) into a new
    blob. A failure leaves no blob (nor a pending S3 multipart upload)."""
    backend = storage()
    if _is_s3(backend):
        try:
            _s3_write(backend, key, content)
        except BaseException:
            delete(key)
            raise
        return
    try:
        saved = backend.save(key, content)
    except BaseException:
        delete(key)
        raise
    if saved != key:
        # A storage that renames (it found the random key taken) would break the pointer.
        delete(saved)
        raise RuntimeError(f"storage stored blob {key!r} as {saved!r}")


def _fill(content):
    """Up to PART_BYTES of `content` in one buffer (shorter only at its end)."""
    part = bytearray(PART_BYTES)
    filled = 0
    while filled < PART_BYTES:
        data = content.read(min(conf.get("CHUNK_BYTES"), PART_BYTES - filled))
        if not data:
            break
        part[filled:filled + len(data)] = data
        filled += len(data)
    del part[filled:]
    return part


def _s3_write(backend, key, content):
    """A multipart upload, one part in memory at a time per upload and at
    most UPLOAD_MEMORY of parts in the process; a file under one part is a
    single PutObject. The caller deletes the key (and aborts the multipart
    upload) on failure."""
    client = _s3_client(backend)
    bucket, name = backend.bucket_name, _s3_key(backend, key)
    params = backend._get_write_parameters(name, content)
    budget = _parts_budget()
    with budget:
        part = _fill(content)
        if len(part) < PART_BYTES:
            client.put_object(Bucket=bucket, Key=name, Body=part, **params)
            return
        upload = client.create_multipart_upload(Bucket=bucket, Key=name, **params)["UploadId"]
        done = [{"PartNumber": 1, "ETag": client.upload_part(Bucket=bucket, Key=name, UploadId=upload, PartNumber=1, Body=part)["ETag"]}]
    del part
    while True:
        with budget:
            part = _fill(content)
            if not part:
                break
            number = len(done) + 1
            done.append({"PartNumber": number, "ETag": client.upload_part(Bucket=bucket, Key=name, UploadId=upload, PartNumber=number, Body=part)["ETag"]})
            last = len(part) < PART_BYTES
            del part
        if last:
            break
    client.complete_multipart_upload(Bucket=bucket, Key=name, UploadId=upload, MultipartUpload={"Parts": done})


def delete(key):
    """Removes a blob, and any S3 multipart upload still pending for it."""
    backend = storage()
    if not _is_s3(backend):
        backend.delete(key)
        return
    client, bucket, name = _s3_client(backend), backend.bucket_name, _s3_key(backend, key)
    client.delete_object(Bucket=bucket, Key=name)
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=name):
        for pending in page.get("Uploads", []):
            if pending["Key"] == name:
                client.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=pending["UploadId"])


class BlobMissing(Exception):
    """The blob was removed (its file was replaced or deleted meanwhile)."""


def open_range(key, start, end, chunk_bytes):
    """An iterator over bytes start..end (exclusive) of a blob, opened now
    (so a blob removed meanwhile raises BlobMissing here, not mid-stream)."""
    backend = storage()
    if _is_s3(backend):
        from botocore.exceptions import ClientError

        try:
            body = _s3_client(backend).get_object(Bucket=backend.bucket_name, Key=_s3_key(backend, key), Range=f"bytes={start}-{end - 1}")["Body"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise BlobMissing(key) from e
            raise
        return _s3_chunks(body, chunk_bytes)
    try:
        handle = backend.open(key, "rb")
    except FileNotFoundError as e:
        raise BlobMissing(key) from e
    return _file_chunks(handle, start, end, chunk_bytes)


def _s3_chunks(body, chunk_bytes):
    try:
        yield from body.iter_chunks(chunk_bytes)
    finally:
        body.close()


def _file_chunks(handle, start, end, chunk_bytes):
    try:
        handle.seek(start)
        left = end - start
        while left > 0:
            data = handle.read(min(chunk_bytes, left))
            if not data:
                raise OSError(f"the blob ended {left} bytes early")
            left -= len(data)
            yield data
    finally:
        handle.close()
