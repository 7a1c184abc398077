"""Django app config for the demo marketplace (it holds the seed_demo command)."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "headstrt.demo"
    label = "demo"
