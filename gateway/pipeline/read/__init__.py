"""Readers of the registration data printed on a document (one module per field family)."""
