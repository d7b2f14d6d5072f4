"""The signed-in ``/account`` page written as a Django team would write it (issue 9, "A fair
speed target"): Django's ORM over the portal's existing tables (``managed = False``: the
portal's Alembic migrations own the schema), Django templates rendering the same page, the usual
middleware, served by gunicorn with one sync worker (``bench/_servers.py``: ``django``).

The session cookie is the portal's: a random token signed with itsdangerous (salt
``portal.session``), looked up by its SHA-256 among the unrevoked, unexpired login sessions
(``site/portal/accounts/sessions.py``), with the id of the user's newest policy row, as the
portal's lookup brings it. The environment gives the database (``PORTAL_DATABASE_URL``, the
portal's own), the secret key (``PORTAL_SECRET_KEY``) and ``PEER_CONN_MAX_AGE`` (Django's
``CONN_MAX_AGE``: 0 opens a connection per request, 60 keeps it).
"""
