"""Test support for salesorder users: Hypothesis strategies, port contract suites, fakes.

Needs the ``test`` extra (``pip install "salesorder[test]"``) for Hypothesis.
"""
