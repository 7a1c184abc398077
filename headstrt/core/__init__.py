"""Shared kernel: errors, clock, ids, money and pagination used by every domain app."""
