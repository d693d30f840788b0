"""Exports: report tables to CSV, XLSX, JSON, Markdown and HTML; reminder e-mails.

Every format is written from the same :class:`~tasklist.exports.tables.Table`, so the rows and
their order are the same whichever format is asked for.
"""
