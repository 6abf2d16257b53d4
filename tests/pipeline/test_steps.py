"""The pipeline's composition is explicit: every step is listed once, in order."""

from __future__ import annotations

from gateway.pipeline import steps


def test_every_step_is_listed_once_with_a_docstring():
    """PREPARE and RECORD name distinct functions, each saying what it does."""
    listed = [*steps.PREPARE, *steps.RECORD]
    names = [step.__name__ for step in listed]
    assert len(names) == len(set(names))
    assert all(step.__doc__ for step in listed)


def test_parse_comes_first_and_registration_is_recorded():
    """Parsing runs before anything reads the message; registration is a RECORD step."""
    assert steps.PREPARE[0] is steps.parse
    assert steps.PREPARE.index(steps.classify) < steps.PREPARE.index(steps.store_parts)
    assert steps.register in steps.RECORD
