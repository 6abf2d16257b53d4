"""Intake: every way a message reaches the gateway ends in one durable store."""
