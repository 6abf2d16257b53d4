"""Signatures: the organisation's key, PAdES on PDFs, S/MIME on mail, and checking both."""
