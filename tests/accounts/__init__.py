"""Tests of accounts: sign-up, login, passwords, profiles and API tokens."""
