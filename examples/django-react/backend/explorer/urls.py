from django.urls import include, path

from . import views

urlpatterns = [
    path("api/auth/csrf", views.csrf),
    path("api/auth/login", views.LoginView.as_view()),
    path("api/auth/logout", views.LogoutView.as_view()),
    path("api/auth/me", views.MeView.as_view()),
    path("api/legacy/", include("legacy.urls")),
    path("api/", include("quiver_files.urls")),
]
