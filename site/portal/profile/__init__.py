"""The Personal Center: account information, shipping addresses, invoices, password, subscriptions."""
