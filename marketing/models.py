"""Channels (signed short links, QR codes, per-day figures) and posters (issue 12)."""
