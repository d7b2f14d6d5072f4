"""Shipping addresses (policy 1.4): several per user, one the default; add, edit, delete.

``routes.py`` serves ``/account/addresses`` and its sub-pages, ``forms.py`` validates the fields,
``services.py`` keeps the rules (one default, at most 20, an audit row per changed field).
"""
