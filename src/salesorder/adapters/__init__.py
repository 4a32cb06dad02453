"""Adapters: implementations of the ports in :mod:`salesorder.ports`.

:mod:`salesorder.adapters.memory` holds the thread-safe in-memory adapters, the
embedded default.
"""
