from django.apps import AppConfig


class QuiverFilesConfig(AppConfig):
    name = "quiver_files"
    verbose_name = "Quiver file store"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # On S3, the one boto3 client the process shares is made now (about
        # 20 MB: the S3 service model), not by the first upload.
        from . import blobs

        blobs.prepare()
