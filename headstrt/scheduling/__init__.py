"""Scheduling: mentors' availability, policies and the free slots computed from them."""
