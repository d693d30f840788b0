"""Reminders (催办) by e-mail: building the messages, writing .eml files, sending by SMTP."""
