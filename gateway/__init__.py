"""Công văn gateway: official mailbox in, registered and routed documents out."""

__version__ = "0.1.0"
