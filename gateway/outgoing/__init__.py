"""Outgoing: the outbox (queue, delivery, retries) and what goes into it."""
