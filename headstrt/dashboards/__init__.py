"""Dashboards: figures over time for a mentor, and the platform's health for staff (reads only)."""
