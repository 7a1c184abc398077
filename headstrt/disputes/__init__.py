"""Disputes over sessions and their settlement by neutral mediators."""
