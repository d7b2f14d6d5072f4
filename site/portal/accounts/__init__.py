"""Accounts: registration, login, server-side sessions, password reset, email verification."""
