"""The gateway's one exception tree.

Foreign errors (SQLAlchemy, OS, imapclient, pyHanko) are mapped to these at the edge with
``raise ... from`` so callers handle one family and messages stay meaningful to an operator.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class ConfigError(GatewayError):
    """The configuration file is missing, unreadable or invalid."""


class RulesError(GatewayError):
    """A file in rules/ is invalid."""


class StorageError(GatewayError):
    """The database or the blob store could not do what was asked (retryable)."""


class NotFound(GatewayError):
    """A looked-up object does not exist."""


class ImapError(GatewayError):
    """An IMAP server could not be reached or refused a command (retried with backoff)."""


class ImapAuthError(ImapError):
    """An IMAP server refused the configured credentials (retried, slowly)."""
