"""Routing: who handles each registered document and by when, reminders and acknowledgements.

rules.py loads rules/routing.toml, directory.toml and calendar.toml; engine.py decides;
assignments.py records; reminders.py chases; ack.py answers the sender; notices.py writes mail.
"""
