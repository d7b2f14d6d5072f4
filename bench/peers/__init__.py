"""Peers: the portal's ``/account`` as another team would write it, to measure it against.

Benchmark code only: nothing under ``site/portal`` imports from here, and each peer's framework
is installed by the ``bench`` extra (``pip install -e '.[bench]'``), not by the portal's own
dependencies. Importing this package imports no framework.
"""
