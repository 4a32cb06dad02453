"""Adapters that implement the ports of :mod:`salesorder.ports`.

:mod:`salesorder.adapters.memory` holds the thread-safe in-memory adapters (the
embedded default); :mod:`salesorder.adapters.sql` the reference SQL adapter
(extra ``salesorder[sql]``).
"""
