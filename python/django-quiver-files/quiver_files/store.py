"""The store's operations over the models and blobs: stage an upload,
commit staged uploads (all or none, preconditions checked in the same
transaction), describe, list, delete, and sweep what crashed processes left.

Atomic uploads: a `Staged` row is committed before the first byte is
written, the bytes stream into a fresh blob, and only `commit` points the
name at it — in one transaction with the preconditions and with every other
file of the same form. An upload that fails, is cut or is refused removes
its blob and row; one whose process dies is found by `sweep` (the row names
the host and process, and a dead process on this host, or a row not touched
for STALE_AFTER on another, is abandoned). A replaced or deleted version
becomes a `Staged` "garbage" row in the same transaction, and its blob is
removed after the commit: a reader that opened it first still reads it whole.
"""
import logging
import os
import socket
import threading
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import blobs, conf
from .http import precondition_failed
from .models import Staged, StoredFile

log = logging.getLogger("quiver_files")

HOST = socket.gethostname()
TOUCH_EVERY = 60  # s between `touched` updates of an upload in progress


def _process_start(pid):
    """The process's start time in clock ticks since boot (Linux), or 0."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return 0


def _alive(pid, started):
    if pid == os.getpid():
        return _process_start(pid) == started
    if os.path.exists("/proc/self/stat"):
        return started != 0 and _process_start(pid) == started
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _owner_fields():
    now = timezone.now()
    pid = os.getpid()
    return {"host": HOST, "pid": pid, "pid_started": _process_start(pid), "started": now, "touched": now}


class Staging:
    """An upload in progress: its blob, and what it was once written."""

    def __init__(self, name):
        self.name = name
        self.blob = blobs.new_key()
        self.size = None
        self.sha256 = None
        self._row = Staged.objects.create(blob=self.blob, purpose=Staged.UPLOAD, name=name, **_owner_fields())
        self._touched = time.monotonic()

    def touch(self, _size=None):
        if time.monotonic() - self._touched > TOUCH_EVERY:
            self._touched = time.monotonic()
            Staged.objects.filter(pk=self._row.pk).update(touched=timezone.now())

    def discard(self):
        """Removes the blob (and any pending multipart upload), then the row."""
        try:
            blobs.delete(self.blob)
            Staged.objects.filter(pk=self._row.pk).delete()
        except Exception:  # the sweep will find it
            log.exception("could not remove the staged blob %s", self.blob)


def stage(name, upload):
    """Streams `upload` (body.Upload) into a new blob; the Staging, or the
    error (having removed what was written)."""
    staging = Staging(name)
    upload._on_progress = staging.touch
    try:
        blobs.write(staging.blob, upload)
    except BaseException:
        staging.discard()
        raise
    staging.size = upload.size
    staging.sha256 = upload.sha256
    return staging


def current_etag(scope, name):
    row = StoredFile.objects.filter(scope=scope, name=name).only("sha256").first()
    return row.etag if row else None


def commit(scope, stagings, preconditions, owner=None):
    """Points each name at its staged blob, all in one transaction, if the
    preconditions hold for every one of them; the StoredFile rows. On any
    error nothing changed, and the caller discards the stagings."""
    for attempt in range(3):
        replaced = []
        try:
            with transaction.atomic():
                stored = []
                for s in stagings:
                    existing = StoredFile.objects.select_for_update().filter(scope=scope, name=s.name).first()
                    if not preconditions.allow_write(existing.etag if existing else None):
                        raise precondition_failed(existing.etag if existing else None)
                    values = {"blob": s.blob, "size": s.size, "sha256": s.sha256, "uploaded": timezone.now().replace(microsecond=0), "owner": owner}
                    if existing:
                        replaced.append(existing.blob)
                        for key, value in values.items():
                            setattr(existing, key, value)
                        existing.save()
                        stored.append(existing)
                    else:
                        stored.append(StoredFile.objects.create(scope=scope, name=s.name, **values))
                Staged.objects.filter(blob__in=[s.blob for s in stagings]).delete()
                for blob in replaced:
                    Staged.objects.create(blob=blob, purpose=Staged.GARBAGE, **_owner_fields())
        except IntegrityError:
            # Two first uploads of one name raced (a database without row
            # locks for rows that do not exist yet): try again, now it exists.
            if attempt == 2:
                raise
            continue
        _remove_garbage(replaced)
        return stored
    raise AssertionError("unreachable")


def _remove_garbage(keys):
    for key in keys:
        try:
            blobs.delete(key)
            Staged.objects.filter(blob=key).delete()
        except Exception:
            log.exception("could not remove the replaced blob %s (the sweep will)", key)


def describe(scope, name):
    return StoredFile.objects.filter(scope=scope, name=name).first()


def delete(scope, name, preconditions):
    """Removes the name; False if there was none. Raises 412 if the
    preconditions do not hold."""
    with transaction.atomic():
        existing = StoredFile.objects.select_for_update().filter(scope=scope, name=name).first()
        if existing is None:
            return False
        if not preconditions.allow_write(existing.etag):
            raise precondition_failed(existing.etag)
        blob = existing.blob
        existing.delete()
        Staged.objects.create(blob=blob, purpose=Staged.GARBAGE, **_owner_fields())
    _remove_garbage([blob])
    return True


def listing(scope, offset, limit):
    rows = StoredFile.objects.filter(scope=scope).order_by("name")
    return rows.count(), list(rows[offset : offset + limit])


# --- sweeping ---------------------------------------------------------------------

_last_sweep = 0.0
_sweep_lock = threading.Lock()


def sweep():
    """Removes what abandoned uploads and crashed processes left: rows of
    dead processes on this host, rows not touched for STALE_AFTER anywhere,
    and garbage older than a minute. Returns how many blobs it removed."""
    global _last_sweep
    with _sweep_lock:
        _last_sweep = time.monotonic()
        now = timezone.now()
        stale = conf.get("STALE_AFTER")
        removed = 0
        for row in Staged.objects.all():
            age = (now - row.touched).total_seconds()
            abandoned = (
                (row.host == HOST and not _alive(row.pid, row.pid_started))
                or age > stale
                or (row.purpose == Staged.GARBAGE and age > 60)
            )
            if not abandoned:
                continue
            try:
                blobs.delete(row.blob)
                Staged.objects.filter(pk=row.pk).delete()
                removed += 1
            except Exception:
                log.exception("sweep: could not remove %s", row.blob)
        return removed


def maybe_sweep():
    """A sweep, if the last one in this process is SWEEP_INTERVAL old."""
    if time.monotonic() - _last_sweep >= conf.get("SWEEP_INTERVAL") and not _sweep_lock.locked():
        try:
            sweep()
        except Exception:
            log.exception("sweep failed")
