"""'Did you mean' hints for misspelt names."""

from __future__ import annotations

from typing import Iterable


def closest(name: str, choices: Iterable[str]) -> str | None:
    import difflib  # only when a name is misspelt: not paid at start-up

    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def one_of(name: str, choices: Iterable[str]) -> str:
    """What an unknown ``name`` should have been: every choice, and the closest one if any is close."""
    choices = list(choices)
    best = closest(name, choices)
    return "one of " + ", ".join(choices) + (f"; did you mean '{best}'?" if best else "")


def did_you_mean(name: str, choices: Iterable[str]) -> str | None:
    choices = list(choices)
    best = closest(name, choices)
    if best:
        return f"did you mean '{best}'?"
    if choices and len(choices) <= 12:
        return "expected one of: " + ", ".join(choices)
    return None
