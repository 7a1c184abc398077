"""Tests of the demo marketplace and the headstrt command."""
