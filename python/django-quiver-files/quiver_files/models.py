"""What the store knows: a name points at an immutable blob in storage.

A file's bytes are written once, under a random key (`PREFIX/blobs/<id>`),
and never changed. `StoredFile` maps a name (in a scope: "" for a shared
store, the user's id with PER_USER) to its current blob, size, SHA-256 and
upload time; replacing a file points the name at a new blob in one
transaction, so a reader streams exactly one version. `Staged` records
every blob that is not (or no longer) pointed at: an upload in progress,
or a replaced or deleted version waiting to be removed. Each record names
the process that owns it, so a sweep can remove what a crashed process left
(`store.sweep`). Every blob in storage is pointed at by exactly one row of
one of the two tables.
"""
from django.conf import settings
from django.db import models


class StoredFile(models.Model):
    scope = models.CharField(max_length=150, default="", blank=True)
    name = models.CharField(max_length=255)
    blob = models.CharField(max_length=200, unique=True)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded = models.DateTimeField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "name"], name="quiver_files_one_name_per_scope")]
        ordering = ["scope", "name"]

    def __str__(self):
        return self.name

    @property
    def etag(self):
        return f'"{self.sha256}"'


class Staged(models.Model):
    UPLOAD = "upload"
    GARBAGE = "garbage"

    blob = models.CharField(max_length=200, unique=True)
    purpose = models.CharField(max_length=10, choices=[(UPLOAD, "upload in progress"), (GARBAGE, "to be removed")])
    name = models.CharField(max_length=255, blank=True, default="")
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    pid_started = models.BigIntegerField(help_text="the owning process's start time (clock ticks since boot), against pid reuse")
    started = models.DateTimeField()
    touched = models.DateTimeField()

    def __str__(self):
        return f"{self.purpose} {self.blob}"
