"""Mailing lists against the store: `clean` (a CSV without its suppressed and invalid rows)."""
