"""The Django project the HTTP contract suite (tests/store/) runs the app
in: the app at the root, SQLite, files in FileSystemStorage (or S3 through
django-storages), configured from the environment by
tests/store/django-server.mjs, which maps each option of the suite onto a
setting here:

  QUIVER_DIR            the data directory: db.sqlite3, files/
  QUIVER_MAX_BYTES      QUIVER_FILES["MAX_BYTES"]
  QUIVER_TOKEN          set: a Bearer token is required (DRF authtoken); unset: anonymous allowed
  QUIVER_CORS_ORIGINS   JSON list → CORS_ALLOWED_ORIGINS (django-cors-headers), also the write origins
  QUIVER_ALLOWED_HOSTS  JSON list, added to the loopback names in ALLOWED_HOSTS
  QUIVER_BODY_TIMEOUT   QUIVER_FILES["BODY_TIMEOUT"]
  QUIVER_S3             "bucket/prefix": S3Storage (AWS_* from the environment, AWS_ENDPOINT for moto)
"""
import json
import os

DIR = os.environ["QUIVER_DIR"]
SECRET_KEY = "contract-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *json.loads(os.environ.get("QUIVER_ALLOWED_HOSTS", "[]"))]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework.authtoken",
    "corsheaders",
    "quiver_files",
]
MIDDLEWARE = [
    "quiver_files.middleware.AllowedHostsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
]
ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(DIR, "db.sqlite3"),
        # Writers queue (IMMEDIATE) instead of failing with "database is locked".
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-512;"},
    }
}
USE_TZ = True
STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": os.path.join(DIR, "files")}}}
if os.environ.get("QUIVER_S3"):
    bucket, _, prefix = os.environ["QUIVER_S3"].partition("/")
    # Uploads are written by quiver_files itself (5 MiB parts under
    # QUIVER_FILES["UPLOAD_MEMORY"]), not by boto3's transfer manager.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": prefix,
            "endpoint_url": os.environ.get("AWS_ENDPOINT"),
            "region_name": os.environ.get("AWS_REGION", "us-east-1"),
            "file_overwrite": True,
        },
    }
TOKEN = os.environ.get("QUIVER_TOKEN")
QUIVER_FILES = {
    "MAX_BYTES": int(os.environ.get("QUIVER_MAX_BYTES", str(20 << 30))),
    "ALLOW_ANONYMOUS": TOKEN is None,
    "AUTHENTICATION_CLASSES": ["quiver_files.auth.BearerTokenAuthentication"] if TOKEN is not None else [],
    "BODY_TIMEOUT": float(os.environ.get("QUIVER_BODY_TIMEOUT", "60")),
    "SWEEP_INTERVAL": float(os.environ.get("QUIVER_SWEEP_INTERVAL", "60")),
}
CORS_ALLOWED_ORIGINS = json.loads(os.environ.get("QUIVER_CORS_ORIGINS", '["http://127.0.0.1:5173", "http://localhost:5173"]'))
CORS_ALLOW_HEADERS = [
    "accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with",
    "range", "if-match", "if-none-match", "if-range",
]
CORS_EXPOSE_HEADERS = ["content-length", "content-range", "etag", "accept-ranges", "last-modified"]
CORS_PREFLIGHT_MAX_AGE = 600
REST_FRAMEWORK = {"UNAUTHENTICATED_USER": None}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"quiver_files": {"handlers": ["console"], "level": "WARNING"}, "django.request": {"handlers": ["console"], "level": "ERROR"}},
}
