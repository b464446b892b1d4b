"""Accounts: people who sign in, their organisations, preferences and in-app notifications."""
