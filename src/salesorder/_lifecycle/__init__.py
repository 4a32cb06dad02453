"""The implementation behind :mod:`salesorder.lifecycle`, split by concern.

Private: import every public name from ``salesorder.lifecycle``; the submodules' paths may change.
"""
