"""Adapters that implement the ports: in-memory (the embedded default) and SQL (optional)."""
