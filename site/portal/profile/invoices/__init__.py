"""Invoice information (policy 1.5, 5.3 A(4)): corporate and personal invoice details.

``routes.py`` serves ``/account/invoices`` and its sub-pages; ``forms.py`` validates the fields
(``tax_numbers.py`` explains what is wrong with a credit code or an ID number); ``services.py``
keeps the rules (at most 10 of each kind, an audit row per changed field); ``bank.py`` keeps the
bank account: encrypted, shown masked, saved only under the user's separate consent, erased when
the consent is withdrawn.
"""
