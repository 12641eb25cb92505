"""A background thread that sweeps abandoned uploads at start-up and every
SWEEP_INTERVAL seconds. Start it from the project's wsgi.py, after the
application is made:

    application = get_wsgi_application()
    from quiver_files.sweeper import start; start()

(or run `manage.py quiver_files_sweep` from cron instead).
"""
import logging
import threading
import time

from . import conf, store

log = logging.getLogger("quiver_files")
_started = False


def start():
    global _started
    if _started:
        return
    _started = True

    def loop():
        while True:
            try:
                store.sweep()
            except Exception:
                log.exception("sweep failed")
            time.sleep(max(0.2, conf.get("SWEEP_INTERVAL")))

    threading.Thread(target=loop, name="quiver-files-sweeper", daemon=True).start()
