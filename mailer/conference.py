"""Which video platform a join link leads to, so a button can name it. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

# (platform, the host ends with one of these, or the host holds one of these words)
_PLATFORMS = (
    ("Zoom", ("zoom.us", "zoom.com", "zoomgov.com"), ()),
    ("Teams", ("teams.microsoft.com", "teams.live.com"), ()),
    ("Webex", ("webex.com",), ()),
    ("Google Meet", ("meet.google.com",), ()),
    ("Jitsi", ("meet.jit.si", "8x8.vc"), ("jitsi",)),
    ("BigBlueButton", (), ("bbb", "bigbluebutton", "greenlight")),
)

_BUTTONS = {
    "Zoom": "Zur Zoom-Konferenz",
    "Teams": "Zur Teams-Besprechung",
    "Webex": "Zum Webex-Meeting",
    "Google Meet": "Zu Google Meet",
    "Jitsi": "Zur Jitsi-Konferenz",
    "BigBlueButton": "Zur BigBlueButton-Konferenz",
}


def platform(url: str) -> str | None:
    """Zoom, Teams, Webex, Google Meet, Jitsi or BigBlueButton; None for any other link."""
    host = (urlsplit(url).hostname or "").lower()
    for name, suffixes, words in _PLATFORMS:
        if any(host == s or host.endswith("." + s) for s in suffixes):
            return name
        if any(word in part for part in host.split(".") for word in words):
            return name
    return None


def button_label(url: str) -> str:
    """What the join button says: the platform's name, or a plain "Zur Konferenz"."""
    found = platform(url)
    return _BUTTONS[found] if found else "Zur Konferenz"


def link_label(url: str) -> str:
    """The label before the bare link in the text part: "Zoom", or "Link"."""
    return platform(url) or "Link"
