"""Database access: engine set-up, sessions, migrations and the models."""
