"""Uploaded files held between a preview and its confirmation (the import of a member
list): in the memory of `mailer serve`, never on disk, each under a random key that only
the organizer who uploaded it can use, for at most KEPT. A restart forgets them; the
organizer then uploads the file again.

A list holds personal data: kept in memory, nothing is left behind by a crash, and an
upload nobody confirms is gone after KEPT. The shelf holds at most MOST_BYTES in all;
the oldest uploads make room for a new one.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

KEPT = timedelta(hours=1)
MOST_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    owner: str  # the organizer who uploaded it
    name: str  # the file's name, as the browser sent it (one line)
    data: bytes
    at: datetime


class Shelf:
    """The uploads of one `mailer serve` process, shared by its threads."""

    def __init__(self, kept: timedelta = KEPT, most_bytes: int = MOST_BYTES):
        self.kept, self.most_bytes = kept, most_bytes
        self._held: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def put(self, upload: Upload) -> str:
        """Holds `upload`; returns its key (128 random bits, URL-safe)."""
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._forget_stale(upload.at)
            self._held[key] = upload
            while sum(len(held.data) for held in self._held.values()) > self.most_bytes:
                del self._held[next(iter(self._held))]  # the oldest first (dicts keep order)
        return key

    def get(self, key: str, owner: str, now: datetime) -> Upload | None:
        """The upload under `key` if `owner` made it and it is not older than KEPT."""
        with self._lock:
            self._forget_stale(now)
            upload = self._held.get(key)
        return upload if upload is not None and upload.owner == owner else None

    def drop(self, key: str) -> None:
        with self._lock:
            self._held.pop(key, None)

    def _forget_stale(self, now: datetime) -> None:
        for key in [key for key, held in self._held.items() if now - held.at > self.kept]:
            del self._held[key]
