""" "What we hold on you" (policy 5.1 A): every piece of personal information held on the user.

``routes.py``      ``GET /account/privacy/my-data[?history_page=N]`` (under ``/account/privacy``, so the consent
                   gate of a material policy change never hides it: privacy/gate.py)
``services.py``    ``personal_data(session=, user=, data_keys=, locale=)``: the page's data, one
                   section per scenario of ``content/inventory.toml`` (also for the later export)
``model.py``       the dataclasses it returns; ``records.py`` / ``history.py`` read the user's
                   rows and describe the parts made of them (masked as the invoices page masks
                   them, profile/invoices/); ``layout.py`` turns a description and rows into a
                   part; ``formatting.py`` words the values
``summary.py``     the page at a glance: per scenario held, how much, why, since when, who else
``events.py``      the change history, one event a save, counted and paged in SQL
``columns.py``     every stored column: personal (and its inventory key) or not, and why
"""
