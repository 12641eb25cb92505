from django.urls import include, path

urlpatterns = [path("", include("quiver_files.urls"))]
