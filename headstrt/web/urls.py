"""Routes of the web app."""

from django.urls import path

from headstrt.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
]
