"""The docs' examples, for mypy (generated)."""
