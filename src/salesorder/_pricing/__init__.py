"""The implementation behind :mod:`salesorder.pricing`, split by concern.

Private: import every public name from ``salesorder.pricing``; the submodules' paths may change.
"""
