"""Mail: an outbox table written in the same transaction as the change it reports, and a sender."""
