"""The app's settings: `QUIVER_FILES = {...}` in the project's settings.

    QUIVER_FILES = {
        "STORAGE": "default",          # an alias in settings.STORAGES (FileSystemStorage, S3Storage, ...)
        "PREFIX": "quiver",            # where blobs go inside that storage: PREFIX/blobs/<id>
        "MAX_BYTES": 20 * 2**30,       # the largest file (413 past it)
        "PER_USER": False,             # True: each user sees, reads and deletes only their own files
        "ALLOW_ANONYMOUS": False,      # True: no login needed (as the Rust store without --token)
        "PERMISSION_CLASSES": None,    # DRF permission classes (default: IsAuthenticated, or AllowAny)
        "AUTHENTICATION_CLASSES": None,  # DRF authentication classes (default: DRF's DEFAULT_AUTHENTICATION_CLASSES)
        "ALLOWED_ORIGINS": None,       # origins whose pages may write (default: CORS_ALLOWED_ORIGINS); same-origin always may
        "BODY_TIMEOUT": 60,            # s an upload may send nothing before it is stopped (under gunicorn)
        "SWEEP_INTERVAL": 60,          # s between sweeps of abandoned uploads (sweeper thread, and opportunistically)
        "STALE_AFTER": 3600,           # s without news after which another host's upload counts as abandoned
        "CHUNK_BYTES": 64 * 1024,      # read and write size while streaming
        "UPLOAD_MEMORY": 64 * 2**20,   # S3: bytes of 5 MiB part buffers, all uploads of the process together
    }
"""
from django.conf import settings

DEFAULTS = {
    "STORAGE": "default",
    "PREFIX": "quiver",
    "MAX_BYTES": 20 * 2**30,
    "PER_USER": False,
    "ALLOW_ANONYMOUS": False,
    "PERMISSION_CLASSES": None,
    "AUTHENTICATION_CLASSES": None,
    "ALLOWED_ORIGINS": None,
    "BODY_TIMEOUT": 60,
    "SWEEP_INTERVAL": 60,
    "STALE_AFTER": 3600,
    "CHUNK_BYTES": 64 * 1024,
    "UPLOAD_MEMORY": 64 * 2**20,
}


def get(key):
    value = getattr(settings, "QUIVER_FILES", {}).get(key, DEFAULTS[key])
    if key == "ALLOWED_ORIGINS" and value is None:
        value = getattr(settings, "CORS_ALLOWED_ORIGINS", [])
    return value
