"""Feedback workbooks (台账): export one per agency, import what comes back through the one writer."""
