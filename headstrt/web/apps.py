"""Django app config for the web pages."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "headstrt.web"
    label = "web"
