from django.core.management.base import BaseCommand

from quiver_files import store


class Command(BaseCommand):
    help = "Removes what abandoned uploads and crashed server processes left in storage."

    def handle(self, *args, **options):
        removed = store.sweep()
        self.stdout.write(f"removed {removed} abandoned blob(s)")
