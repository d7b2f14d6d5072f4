"""A copy of one's personal information, at once and without staff (policy 5.1): a ZIP.

``routes.py``      ``GET|POST /account/privacy/my-data/copy``: the page, and the download
``services.py``    ``take_copy``: records the copy in the audit trail, reads what it holds (the
                   data of "What we hold on you", asked for whole, and the rows behind it)
``documents.py``   ``data.json`` (``schema.json`` describes it), a CSV per scenario, ``index.html``
``archive.py``     the ZIP, streamed by zipstream-ng from a worker thread; drawings decrypted
                   as they stream (``names.py``: their safe, unique paths in it)

What the archive holds::

    index.html              what each file is, in the customer's language
    data.json               everything, for programs; data.schema.json describes it
    csv/<scenario>.csv      one table per scenario of content/inventory.toml, for spreadsheets
    drawings/<quote reference or unattached>/<file name>   the drawings, decrypted
"""
