"""The implementation of :mod:`salesorder.validation` (private: import from there)."""
