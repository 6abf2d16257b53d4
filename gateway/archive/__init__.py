"""The archive: blob store, audit event chain, and (later) search."""
