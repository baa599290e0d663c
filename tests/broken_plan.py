"""A schedule.yaml with a slip in it, and the sentence mailer says about it (shared by the
tests of the broken plan through the server and in the browser)."""

from __future__ import annotations

from tests.conftest import STARTER

BROKEN = STARTER.replace("  timezone: Europe/Berlin\n", "  timezon: Europe/Berlin\n")
SENTENCE = "schedule.yaml:5: unknown key 'timezon' in series (did you mean 'timezone'?)"
