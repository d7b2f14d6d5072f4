"""The staff console: staff accounts (password and TOTP), their sessions, roles and audit log.

Staff are not customers: their accounts, sessions and cookie are apart from the customers', so
a customer session never opens a staff page and a staff session never reaches the shop. Every
staff route is wrapped in :func:`portal.staff.access.require_staff` with the role it needs.
"""
