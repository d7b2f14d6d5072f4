"""Where each stored column stands: personal information (and its inventory key), or not.

Every column of every table in ``portal.models.metadata`` is named exactly once, either in
:data:`PERSONAL_COLUMNS` (with the ``<scenario>.<field>`` key of ``content/inventory.toml`` it is
shown as, on the page "What we hold on you" and in the appendix of the policy) or in
:data:`NOT_PERSONAL` (with the reason it says nothing about a person). tests/test_inventory_complete.py
fails for a column in neither, for a key the inventory does not have, and for a personal column
the page does not show, so a new column cannot be stored before someone decides its place.
"""

from __future__ import annotations

#: (table, column) -> "<scenario id>.<field key>" of content/inventory.toml.
PERSONAL_COLUMNS: dict[tuple[str, str], str] = {
    # users: registration and account information
    ("users", "email"): "registration_website.email",
    ("users", "email_key"): "registration_website.email",  # the same address, lower-cased
    ("users", "phone"): "registration_website.phone",
    ("users", "phone_verified_at"): "registration_website.phone",  # shown beside the number
    ("users", "wechat_openid"): "registration_website.wechat_openid",
    ("users", "name"): "account_information.name",
    ("users", "job_title"): "account_information.job_title",
    ("users", "customer_type"): "account_information.customer_type",
    ("users", "invoice_email"): "account_information.invoice_email",
    ("users", "preferred_language"): "account_information.preferred_language",
    ("users", "password_hash"): "password_setting.password",
    ("users", "created_at"): "account_records.account_created",
    ("users", "email_verified_at"): "account_records.email_verified",
    # a new login address waiting for the link sent to it (profile/account/email_change.py)
    ("email_changes", "new_email"): "account_information.new_email",
    ("email_changes", "requested_at"): "account_information.new_email",
    ("email_changes", "expires_at"): "account_information.new_email",
    # drawings (the files themselves are encrypted in the drawing store, portal.drawings)
    ("drawings", "filename"): "request_a_quote.drawings",
    ("drawings", "size"): "request_a_quote.drawings",
    ("drawings", "sha256"): "request_a_quote.drawings",  # a fingerprint of the file
    ("drawings", "created_at"): "request_a_quote.drawings",
    # quote requests: what the customer asked for, and what we answered
    **{
        ("quote_requests", name): "request_a_quote.quote_requirements"
        for name in (
            "reference",
            "process",
            "material",
            "finish",
            "tolerance",
            "quantity",
            "required_date",
            "notes",
            "created_at",
        )
    },
    **{
        ("quote_requests", name): "request_a_quote.quotes"
        for name in (
            "status",
            "estimate_low",
            "estimate_high",
            "estimate_days",
            "estimate_note",
            "price",
            "lead_days",
            "staff_message",
            "updated_at",
            "restricted_at",  # the customer deleted an order: kept, restricted, until
            "restricted_until",
        )
    },
    # shipping addresses
    ("shipping_addresses", "organization_name"): "shipping_address.organization_name",
    ("shipping_addresses", "recipient_name"): "shipping_address.recipient_name",
    ("shipping_addresses", "shipping_address"): "shipping_address.shipping_address",
    ("shipping_addresses", "phone"): "shipping_address.phone",
    ("shipping_addresses", "province"): "shipping_address.province",
    ("shipping_addresses", "city"): "shipping_address.city",
    ("shipping_addresses", "postal_code"): "shipping_address.postal_code",
    ("shipping_addresses", "is_default"): "shipping_address.shipping_address",  # "default"
    # corporate invoices
    ("corporate_invoices", "company_name"): "corporate_invoice.company_name",
    ("corporate_invoices", "tax_number"): "corporate_invoice.tax_number",
    ("corporate_invoices", "province"): "corporate_invoice.province",
    ("corporate_invoices", "city"): "corporate_invoice.city",
    ("corporate_invoices", "invoicing_address"): "corporate_invoice.invoicing_address",
    ("corporate_invoices", "postal_code"): "corporate_invoice.postal_code",
    ("corporate_invoices", "bank_name"): "corporate_invoice.bank_name",
    ("corporate_invoices", "bank_account"): "corporate_invoice.bank_account",
    ("corporate_invoices", "invoice_email"): "corporate_invoice.invoice_email",
    # personal invoices
    ("personal_invoices", "name"): "personal_invoice.name",
    ("personal_invoices", "tax_number"): "personal_invoice.tax_number",
    ("personal_invoices", "province"): "personal_invoice.province",
    ("personal_invoices", "city"): "personal_invoice.city",
    ("personal_invoices", "invoicing_address"): "personal_invoice.invoicing_address",
    ("personal_invoices", "postal_code"): "personal_invoice.postal_code",
    ("personal_invoices", "invoice_email"): "personal_invoice.invoice_email",
    # email subscriptions
    ("email_subscriptions", "topic"): "email_subscription.subscription_topics",
    ("email_subscriptions", "requested_at"): "email_subscription.subscription_topics",
    ("email_subscriptions", "confirmed_at"): "email_subscription.subscription_topics",
    ("email_subscriptions", "email"): "email_subscription.email",
    # login sessions
    ("login_sessions", "user_agent"): "account_records.device",
    ("login_sessions", "remember"): "account_records.device",
    ("login_sessions", "ip_address"): "account_records.ip_address",
    ("login_sessions", "created_at"): "account_records.sign_in_times",
    ("login_sessions", "last_used_at"): "account_records.sign_in_times",
    ("login_sessions", "expires_at"): "account_records.sign_in_times",
    ("login_sessions", "revoked_at"): "account_records.sign_in_times",
    # links to reset the password
    ("password_reset_tokens", "created_at"): "account_records.password_reset_requests",
    ("password_reset_tokens", "expires_at"): "account_records.password_reset_requests",
    ("password_reset_tokens", "used_at"): "account_records.password_reset_requests",
    # the consent ledger
    ("consent_records", "kind"): "account_records.consent_records",
    ("consent_records", "purpose"): "account_records.consent_records",
    ("consent_records", "policy_version"): "account_records.consent_records",
    ("consent_records", "language"): "account_records.consent_records",
    ("consent_records", "channel"): "account_records.consent_records",
    ("consent_records", "occurred_at"): "account_records.consent_records",
    ("policy_announcements", "version"): "account_records.policy_update_notices",
    ("policy_announcements", "queued_at"): "account_records.policy_update_notices",
    # privacy requests (portal.rights) and each step of them, staff's notes included
    ("privacy_requests", "reference"): "privacy_requests.request_reference",
    ("privacy_requests", "kind"): "privacy_requests.request_kind",
    ("privacy_requests", "deletion_reason"): "privacy_requests.request_kind",  # which case A-E
    ("privacy_requests", "details"): "privacy_requests.request_description",
    ("privacy_requests", "filed_at"): "privacy_requests.due_date",  # the day the count starts
    ("privacy_requests", "due_on"): "privacy_requests.due_date",
    ("privacy_requests", "due_provisional"): "privacy_requests.due_date",
    ("privacy_requests", "identity_verified_at"): "privacy_requests.identity_verification",
    ("privacy_requests", "status"): "privacy_requests.request_outcome",
    ("privacy_requests", "answer"): "privacy_requests.request_outcome",
    ("privacy_requests", "answered_at"): "privacy_requests.request_outcome",
    ("privacy_requests", "flagged_repeated"): "privacy_requests.request_outcome",
    **{
        ("privacy_request_events", name): "privacy_requests.request_outcome"
        for name in ("action", "at", "note", "internal")
    },
    ("privacy_requests", "recipient_name"): "transfer_requests.receiving_processor_name",
    ("privacy_requests", "recipient_email"): "transfer_requests.receiving_processor_contact",
    ("privacy_requests", "recipient_purpose"): "transfer_requests.transfer_purpose",
    **{
        ("disclosures", name): "transfer_requests.provision_records"
        for name in ("recipient_name", "recipient_contact", "purpose", "scope", "disclosed_at")
    },
    # the audit trail
    ("audit_entries", "actor_id"): "account_records.change_history",
    ("audit_entries", "record"): "account_records.change_history",
    ("audit_entries", "field"): "account_records.change_history",
    ("audit_entries", "action"): "account_records.change_history",
    ("audit_entries", "channel"): "account_records.change_history",
    ("audit_entries", "occurred_at"): "account_records.change_history",
    # mails: the outbox keeps each mail (address, subject, text) after it is sent
    ("mail_outbox", "recipient"): "account_records.mails_sent",
    ("mail_outbox", "subject"): "account_records.mails_sent",
    ("mail_outbox", "text_body"): "account_records.mails_sent",
    ("mail_outbox", "html_body"): "account_records.mails_sent",
    ("mail_outbox", "headers"): "account_records.mails_sent",  # List-Unsubscribe holds a link
    ("mail_outbox", "created_at"): "account_records.mails_sent",
    ("mail_outbox", "sent_at"): "account_records.mails_sent",
    ("mail_outbox", "last_error"): "account_records.mails_sent",  # may quote the address
}

_ROW_ID = "row id"
_OWNER = "the owner's row id (a foreign key), not information about them"
_ROW_TIMES = "when the row was written; the change history records the same moments"

#: (table, column) -> why it is not personal information.
_STAFF = "about a member of staff, not a customer (the staff console's own tables)"

NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("users", "id"): _ROW_ID,
    ("login_sessions", "id"): _ROW_ID,
    ("login_sessions", "user_id"): _OWNER,
    ("login_sessions", "token_hash"): "SHA-256 of a random token, not information about the person",
    ("password_reset_tokens", "id"): _ROW_ID,
    ("password_reset_tokens", "user_id"): _OWNER,
    (
        "password_reset_tokens",
        "token_hash",
    ): "SHA-256 of a random token, not information about the person",
    ("email_changes", "id"): _ROW_ID,
    ("email_changes", "user_id"): _OWNER,
    ("email_changes", "token_hash"): "SHA-256 of a random token, not information about the person",
    ("throttles", "key"): "an HMAC of an address under the secret key: names nobody",
    ("throttles", "hits"): "a count under an HMAC key that names nobody (deleted after a day)",
    ("throttles", "window_started_at"): "a time under an HMAC key that names nobody",
    ("throttles", "locked_until"): "a time under an HMAC key that names nobody",
    ("throttles", "lockouts"): "a count under an HMAC key that names nobody",
    ("throttles", "updated_at"): "a time under an HMAC key that names nobody",
    ("drawings", "id"): "a random id (UUID), not information about the person",
    ("drawings", "user_id"): _OWNER,
    ("drawings", "storage_key"): "where the encrypted file is kept: the id again, as a path",
    ("drawings", "status"): "how far the portal has read the file's geometry",
    ("drawings", "claimed_at"): "when a reader took the file: the job's own bookkeeping",
    ("drawings", "quote_id"): "which of the customer's requests the file came with",
    ("drawings", "format"): "the file format its content shows: about the file, not a person",
    ("drawings", "parts"): "the part's sizes and volume read from the file: about the part",
    ("drawings", "error_code"): "why the file's geometry could not be read: about the file",
    ("quote_requests", "id"): _ROW_ID,
    ("quote_requests", "user_id"): _OWNER,
    # What a deleted account leaves (portal.accounts.deregistration): an order's terms with no
    # one's name (anonymized, so not personal information: PIPL art. 4, 73), and the store keys
    # of deleted drawings until their encrypted files are gone.
    **{
        ("retained_orders", name): "an order's terms kept after its account went, naming no one"
        for name in (
            "id",
            "reference",
            "process",
            "material",
            "finish",
            "tolerance",
            "quantity",
            "required_date",
            "price",
            "lead_days",
            "requested_at",
            "ordered_at",
            "retained_at",
            "retained_until",
        )
    },
    (
        "drawing_deletions",
        "storage_key",
    ): "where a deleted drawing's encrypted file lies, until it goes",
    ("drawing_deletions", "queued_at"): "when the file was queued for deletion",
    ("shipping_addresses", "id"): _ROW_ID,
    ("shipping_addresses", "user_id"): _OWNER,
    ("shipping_addresses", "created_at"): _ROW_TIMES,
    ("shipping_addresses", "updated_at"): _ROW_TIMES,
    ("corporate_invoices", "id"): _ROW_ID,
    ("corporate_invoices", "user_id"): _OWNER,
    ("corporate_invoices", "created_at"): _ROW_TIMES,
    ("corporate_invoices", "updated_at"): _ROW_TIMES,
    ("personal_invoices", "id"): _ROW_ID,
    ("personal_invoices", "user_id"): _OWNER,
    ("personal_invoices", "created_at"): _ROW_TIMES,
    ("personal_invoices", "updated_at"): _ROW_TIMES,
    ("email_subscriptions", "id"): _ROW_ID,
    ("email_subscriptions", "user_id"): _OWNER,
    ("audit_entries", "id"): _ROW_ID,
    ("audit_entries", "user_id"): _OWNER,
    ("consent_records", "id"): _ROW_ID,
    ("consent_records", "user_id"): _OWNER,
    ("policy_announcements", "id"): _ROW_ID,
    ("policy_announcements", "user_id"): _OWNER,
    ("mail_outbox", "id"): _ROW_ID,
    ("mail_outbox", "user_id"): _OWNER,
    ("mail_outbox", "attempts"): "the sender's count of delivery attempts",
    ("mail_outbox", "next_attempt_at"): "when the sender tries again",
    ("mail_outbox", "claimed_until"): "the sender's lock on the row",
    ("privacy_requests", "id"): _ROW_ID,
    ("privacy_requests", "user_id"): _OWNER,
    ("privacy_requests", "identity_verified_by"): _STAFF,
    ("privacy_requests", "reminded"): "which reminder staff were sent: the worker's bookkeeping",
    ("privacy_request_events", "id"): _ROW_ID,
    ("privacy_request_events", "request_id"): "which of the customer's requests the step is of",
    ("privacy_request_events", "staff_id"): _STAFF,
    **{
        ("retention_runs", name): "the retention job's counts of what it deleted: names nobody"
        for name in ("id", "ran_at", "rule", "deleted")
    },
    ("disclosures", "id"): _ROW_ID,
    ("disclosures", "user_id"): _OWNER,
    ("disclosures", "request_id"): "which of the customer's requests led to it",
    ("transfer_links", "id"): _ROW_ID,
    ("transfer_links", "request_id"): "which of the customer's requests the link is for",
    ("transfer_links", "token_hash"): "SHA-256 of a random token, not information about the person",
    ("transfer_links", "created_at"): "the link's bookkeeping: its use is a provision record",
    ("transfer_links", "expires_at"): "the link's bookkeeping: its use is a provision record",
    ("transfer_links", "used_at"): "the link's bookkeeping: its use is a provision record",
    ("staff_audit_log", "customer_id"): "whose record a staff action touched: an owner's row id",
    # The staff console's tables hold staff, not customers: the policy's inventory is the
    # customers'. A line of the audit log names a customer's record by its id ("drawing:12"),
    # which the customer's own page already shows as the record itself.
    **{
        (table, column): _STAFF
        for table, columns in {
            "staff_members": (
                "id",
                "email",
                "email_key",
                "name",
                "role",
                "password_hash",
                "password_set_at",
                "totp_secret",
                "totp_last_step",
                "created_at",
                "disabled_at",
            ),
            "staff_sessions": (
                "id",
                "token_hash",
                "staff_id",
                "user_agent",
                "ip_address",
                "created_at",
                "last_used_at",
                "expires_at",
                "revoked_at",
            ),
            "staff_audit_log": (
                "id",
                "staff_id",
                "action",
                "subject",
                "ip_address",
                "created_at",
            ),
        }.items()
        for column in columns
    },
}
