"""The archive: blob store, audit event chain, search, verification, register book, export."""
