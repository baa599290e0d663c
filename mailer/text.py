"""Text from outside (a name, a topic, a server's answer) made fit for one line. Pure."""

from __future__ import annotations


def one_line(value: str) -> str:
    """Collapse every run of white space, CR and LF included, into one space."""
    return " ".join(value.split())
