"""Fuzz suite: stateful and property tests of the token on titanoboa (see conftest.py)."""
