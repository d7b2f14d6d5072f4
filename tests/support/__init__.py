"""Helpers shared by the tests: import them as ``from tests.support.<module> import ...``.

The fixtures that use them are in ``tests/conftest.py``; its docstring is the harness's manual.
"""
