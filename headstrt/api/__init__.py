"""The REST API under /api/v1/ for mobile and scripted clients. Thin: calls services only."""
