"""Routes for load balancers and monitoring: liveness, readiness and Prometheus metrics."""

from django.urls import path

from headstrt.operations import views

urlpatterns = [
    path("healthz", views.liveness, name="healthz"),
    path("readyz", views.readiness, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
