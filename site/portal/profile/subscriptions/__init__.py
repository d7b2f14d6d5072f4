"""Email subscriptions (policy 1.7): choose topics, confirm by mail, unsubscribe in one click.

``topics``    the topics and the ledger purpose of each
``tokens``    the signed links: confirmation (7 days) and unsubscribe (never expires)
``services``  choose, confirm, unsubscribe, and ``queue_topic_mail`` for marketing mail
``routes``    ``/account/subscriptions`` and the public ``/subscriptions/confirm``,
              ``/subscriptions/unsubscribe`` (RFC 8058 one-click)
"""
