"""Drawings uploaded with quote requests: what format they are (``formats``), what is inside a
ZIP (``archives``), and their size and volume read in a resource-limited child process
(``geometry``, whose child is ``geometry_worker``)."""
