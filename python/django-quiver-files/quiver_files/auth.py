"""`Authorization: Bearer <token>` with DRF's tokens (rest_framework.authtoken),
the header the Rust store's `--token` takes, so one client works with both."""
from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"
