"""Headstrt: micro-mentorship, the right mentor for each situation."""
