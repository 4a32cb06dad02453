"""The implementation of :mod:`salesorder.analytics` (private: import from there)."""
