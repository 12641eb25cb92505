"""Host checking answered as JSON.

Django refuses a Host outside ALLOWED_HOSTS when something asks for the
host; this middleware asks for every request (first in MIDDLEWARE, before
django-cors-headers answers preflights), so a page on a rebound DNS name
(evil.example → 127.0.0.1) gets 403 `forbidden_host` for reads too — the
same answer as the Rust store. With DEBUG and an empty ALLOWED_HOSTS,
Django allows localhost, 127.0.0.1 and [::1] only.
"""
from django.core.exceptions import DisallowedHost

from .http import error_response


class AllowedHostsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost as e:
            return error_response(403, "forbidden_host", str(e).split(".")[0] + ". This server answers only for the names in ALLOWED_HOSTS.")
        return self.get_response(request)
