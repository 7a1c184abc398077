"""Matching: from a person's situation to ranked, explained mentors."""
