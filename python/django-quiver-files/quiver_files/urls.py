"""Mount with `path("api/", include("quiver_files.urls"))` (or at the root).

Routes: health, files, files/<name>; anything else under the mount answers
404 `no_route` as JSON.
"""
from django.urls import path, re_path

from . import views

app_name = "quiver_files"

urlpatterns = [
    path("health", views.HealthView.as_view(), name="health"),
    path("files", views.FilesView.as_view(), name="files"),
    re_path(r"^files/(?P<name>[^/]+)$", views.FileView.as_view(), name="file"),
    re_path(r"^.*$", views.NoRouteView.as_view(), name="no-route"),
]
