"""Customers' drawings: kept encrypted at rest, recognised by their content, and measured.

A package of its own, apart from ``portal.quotes`` (the quote requests, their forms and
routes), because more than quotes read and remove drawings: the staff console downloads
them, the privacy rights copy and delete them, and the geometry reader decrypts them. Each of
those goes through the services here, and none needs to know about quote requests.

- ``services``      ``store_drawing``, ``open_drawing``, ``find_drawing``, ``delete_drawing``
                    and their errors: the only code that writes drawings.
- ``models``        the ``drawings`` table (``Drawing``, ``DrawingStatus``).
- ``storage``       the ``DrawingStorage`` interface and ``storage_from_settings``.
- ``local``, ``s3`` its two backends: a folder under ``var/``; an S3-compatible object store.
- ``housekeeping``  the worker's round that clears uploads a killed process left unfinished.
- ``formats``       what format a drawing is, from its content (never its name).
- ``archives``      what is inside a ZIP or 3MF, checked against zip bombs before anything opens it.
- ``geometry``      size, area and volume, read in a resource-limited child process
                    (``geometry_worker``) from the decrypted stream.

The app keeps its store in ``app_state(request).drawing_storage`` and the users' data keys in
``app_state(request).data_keys``.
"""
