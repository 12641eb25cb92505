"""A fresh Django project whose template loads Quiver with a plain
<script type="module"> — no bundler: the package's browser bundle
(node_modules/@quiver/client/dist: quiver.js, its worker, the wasm) is served
as static files under static/quiver/."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "package-test-only"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.staticfiles"]
MIDDLEWARE = []
ROOT_URLCONF = "urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [BASE_DIR / "templates"]}]
STATIC_URL = "static/"
STATICFILES_DIRS = [("quiver", BASE_DIR / "node_modules/@quiver/client/dist")]
