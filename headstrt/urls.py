"""Top-level URL routes: web pages, accounts, admin and the API."""

from django.contrib import admin
from django.urls import include, path

from headstrt.api.root import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls),
    path("", include("headstrt.operations.urls")),
    path("", include("headstrt.web.urls")),
]
