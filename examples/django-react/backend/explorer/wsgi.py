import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "explorer.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

# Removes what interrupted uploads and crashed processes left in storage.
from quiver_files.sweeper import start  # noqa: E402

start()
