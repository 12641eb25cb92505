"""The example's Django 5 project: the stack of the Data Explorer's users
(Django REST framework with IsAuthenticated, django-cors-headers, session
login) with Quiver's file store app (`quiver_files`) mounted at /api/, and
the old pandas view (`legacy`) kept at /api/legacy/ for comparison.

The React app is served on the same origin as /api (Vite's proxy in
development and preview; one host behind the web server in production), so
the session cookie and CSRF work as usual and Quiver's worker, which fetches
a file with the page's cookies, is logged in too.

Environment: EXPLORER_DATA (where the database and files go, default
../data), EXPLORER_MAX_BYTES (upload cap, default 2 GiB), EXPLORER_DEBUG.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("EXPLORER_DATA", BASE_DIR.parent / "data"))
DATA.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("EXPLORER_SECRET_KEY", "example-only-change-me")
DEBUG = os.environ.get("EXPLORER_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "rest_framework",
    "corsheaders",
    "quiver_files",
    "legacy",
]
MIDDLEWARE = [
    "quiver_files.middleware.AllowedHostsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "explorer.urls"
WSGI_APPLICATION = "explorer.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA / "db.sqlite3",
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL; PRAGMA cache_size=-512;"},
    }
}
USE_TZ = True
STORAGES = {
    # Files go to Django's storage: FileSystemStorage here; S3 by configuration
    # (see the README, "The Django app": django-storages' S3Storage).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA / "files"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
QUIVER_FILES = {
    "MAX_BYTES": int(os.environ.get("EXPLORER_MAX_BYTES", str(2 << 30))),
    "PER_USER": True,  # each user sees, opens and deletes only their own files
}

# The Vite app on its own port may call the API directly too (CORS with the
# session cookie); the page itself goes through the same-origin proxy.
CORS_ALLOWED_ORIGINS = ["http://127.0.0.1:5173", "http://localhost:5173"]
CORS_ALLOW_CREDENTIALS = True
CORS_EXPOSE_HEADERS = ["content-length", "content-range", "etag", "accept-ranges", "last-modified"]
CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:5173", "http://localhost:5173", "http://127.0.0.1:4173", "http://localhost:4173"]
SESSION_COOKIE_SAMESITE = "Lax"
# The old pandas view's cap (their `DATA_UPLOAD_MAX_MEMORY_SIZE`-style 100 MB limit).
LEGACY_MAX_BYTES = int(os.environ.get("EXPLORER_LEGACY_MAX_BYTES", str(100 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"quiver_files": {"handlers": ["console"], "level": "WARNING"}, "django.request": {"handlers": ["console"], "level": "ERROR"}},
}
