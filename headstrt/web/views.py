"""Views of the web app: parse input, call services and selectors, render templates."""

from django.http import HttpResponse


def home(request):
    return HttpResponse("Headstrt")
