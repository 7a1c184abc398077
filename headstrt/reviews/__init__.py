"""Blind two-sided reviews, reputation, reliability and outcomes: pressure to perform."""
