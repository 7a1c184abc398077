"""Management commands of the demo marketplace."""
