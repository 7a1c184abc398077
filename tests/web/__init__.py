"""Tests of the web app: pages, forms, htmx fragments and access rules."""
