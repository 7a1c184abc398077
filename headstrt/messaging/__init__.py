"""Messaging: in-app notifications and the email that carries them."""
