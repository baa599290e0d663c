"""What a person sees and a screen reader finds: every mail kind and every page of
`mailer serve`, in Debian's chromium (Playwright), with prefers-color-scheme light and dark.

- Contrast: every text node of every mail (and of each mail's web version) against the
  background it is drawn on, composited through its ancestors as the browser paints them,
  held at WCAG 2.1 AA (SC 1.4.3: 4.5:1; 3:1 for large text, 24 px or 18.66 px bold).
- axe-core: zero violations on every page and every mail, light and dark (every rule axe
  runs by default: landmark-one-main, region, page-has-heading-one, color-contrast, ...).
  Its axe.min.js is the one the PyPI package axe-playwright-python ships (a test extra);
  the pages forbid scripts (CSP), so the browser context bypasses the CSP to inject it.
- Web versions say what they are: a reminder's is a reminder, a newsletter's a newsletter.

The mails come from real ticks through a real SMTP server (tests/everymail.py), the pages
from the real `mailer serve` process. Screenshots of the dark pages and mails land in
MAILER_SCREENSHOTS (default: a temp dir).
"""

from __future__ import annotations

import os
import re
from email import message_from_bytes, policy
from importlib.resources import files
from pathlib import Path

import pytest

from mailer.store import Store
from tests import test_browser
from tests.conftest import Mailer
from tests.everymail import KINDS, PROSE, Row, send_every_kind
from tests.test_browser import CHROMIUM
from tests.webtools import PASSWORD, served

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is missing (.ci/run installs it)"
)
SCHEMES = ["light", "dark"]
browser = test_browser.browser  # the same fixture: one chromium per module
AXE = files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")

# Every text node: its colour and the background it is painted on (each ancestor's
# background-color composited, nearest first, over the canvas), its size and weight.
TEXTS = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a)
      .concat([a]);
  };
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const canvas = dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
  const background = (element) => {
    let colour = [0, 0, 0, 0];
    for (let e = element; e && colour[3] < 0.999; e = e.parentElement) {
      colour = over(colour, parse(getComputedStyle(e).backgroundColor));
    }
    return over(colour, canvas);
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !element.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(element);
    const back = background(element);
    found.push({
      text: text.slice(0, 50), element: element.tagName.toLowerCase() + '.' + element.className,
      foreground: over(parse(style.color), back), background: back,
      size: parseFloat(style.fontSize), bold: parseInt(style.fontWeight) >= 700,
    });
  }
  return found;
}"""


def contrast(foreground: list[float], background: list[float]) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours (0-255)."""

    def luminance(colour: list[float]) -> float:
        linear = [
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
            for c in (channel / 255 for channel in colour[:3])
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def too_faint(page) -> list[str]:
    """Every text on the page below WCAG AA, as 'ratio text (element)'."""
    faint = []
    for text in page.evaluate(TEXTS):
        large = text["size"] >= 24 or (text["size"] >= 18.66 and text["bold"])
        ratio = contrast(text["foreground"], text["background"])
        if ratio < (3 if large else 4.5):
            faint.append(f"{ratio:.2f}:1 {text['text']!r} ({text['element']})")
    return faint


def axe_violations(page) -> list[str]:
    """axe-core's violations of the page: 'rule: the first elements it names'."""
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {[node['target'] for node in v['nodes'][:3]]}" for v in result["violations"]
    ]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("MAILER_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser):
    """The real `mailer serve`, and every kind of mail it has the web versions of."""
    app = Mailer(Path(tmp_path_factory.mktemp("site")))
    app.write_plan()
    with served(app) as base:
        mails = send_every_kind(app, Row(recap=PROSE, letter=PROSE), base_url=base)
        with Store(app.db) as store:
            anna = store.subscriber("anna@example.org")
        confirm = message_from_bytes(mails.sent["confirm"], policy=policy.default)
        text = confirm.get_body(("plain",)).get_content()
        link = re.search(rf"{re.escape(base)}/bestaetigen/\S+", text).group(0)
        yield {"base": base, "mails": mails, "ref": f"{anna.id}-{anna.token}", "confirm": link,
               "admin": admin_session(browser, base)}  # fmt: skip


def admin_session(browser, base: str) -> dict:
    """The organizer's cookie, logged in once (the login allows 5 tries a minute)."""
    page = browser.new_page()
    page.goto(base + "/admin/login")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Die nächsten Termine").wait_for()
    state = page.context.storage_state()
    page.close()
    return state


def mail_html(data: bytes) -> str:
    return message_from_bytes(data, policy=policy.default).get_body(("html",)).get_content()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_text_of_every_mail_reads_at_wcag_aa(site, browser, shots, kind, scheme) -> None:
    page = browser.new_page(color_scheme=scheme, viewport={"width": 700, "height": 900})
    page.set_content(mail_html(site["mails"].sent[kind]))
    if scheme == "dark":
        page.screenshot(path=shots / f"mail-{kind}-{scheme}.png", full_page=True)
    assert too_faint(page) == []
    page.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_mail_has_no_axe_violation(site, browser, kind, scheme) -> None:
    page = browser.new_page(color_scheme=scheme)
    page.set_content(mail_html(site["mails"].sent[kind]))
    assert axe_violations(page) == []
    page.close()


WEB_VERSIONS = {
    "/brief/2023-09-07/announcement": "einer Einladung",
    "/brief/2023-09-07/update": "einer Änderung",
    "/brief/2023-09-07/reminder": "einer Erinnerung",
    "/brief/2023-09-07/recap": "eines Rückblicks",
    "/brief/2023-10-05/cancellation": "einer Absage",
    "/rundbrief/1": "eines Rundbriefs",
}
NAMES = ["Einladung", "Änderung", "Erinnerung", "Rückblick", "Absage", "Rundbrief"]


@pytest.mark.parametrize(("path", "words"), WEB_VERSIONS.items(), ids=WEB_VERSIONS.keys())
def test_every_web_version_says_what_it_is(site, browser, path: str, words: str) -> None:
    page = browser.new_page()
    page.goto(site["base"] + path)
    footer = page.locator("td.footer").inner_text()
    assert f"Das ist die Web-Fassung {words}" in footer
    name = next(name for name in NAMES if name in words)
    assert [other for other in NAMES if other in footer and other != name] == []
    heading = page.get_by_role("heading", level=1)
    assert heading.count() == 1 and heading.inner_text().strip()
    assert page.get_by_role("main").count() == 1
    assert "zoom.us" not in page.content()  # the meeting stays among members
    page.close()


PAGES = {
    "front page": "/",
    "archive": "/archiv",
    "confirmation": "{confirm}",
    "unsubscribe": "/abmelden/{ref}",
    "preferences": "/einstellungen/{ref}",
    "answer": "/zusage/{ref}/2023-09-07/ja",
    "not found": "/gibt-es-nicht",
    **{f"web version {path}": path for path in WEB_VERSIONS},
    "admin login": "/admin/login",
    "admin overview": "/admin/",
    "admin answers": "/admin/antworten",
    "admin members": "/admin/mitglieder",
}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES.keys())
def test_every_page_has_no_axe_violation(site, browser, shots, name: str, scheme: str) -> None:
    path = PAGES[name]
    logged_in = path.startswith("/admin/") and path != "/admin/login"
    context = browser.new_context(
        bypass_csp=True, color_scheme=scheme, storage_state=site["admin"] if logged_in else None
    )
    page = context.new_page()
    page.goto(site["base"] + path.format(**site).removeprefix(site["base"]))
    if scheme == "dark":
        shot = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=shots / f"page-{shot}-{scheme}.png", full_page=True)
    if "/brief/" in path or "/rundbrief/" in path:
        assert too_faint(page) == []
    assert axe_violations(page) == []
    context.close()
