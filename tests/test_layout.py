"""The mails' layout, measured in a real browser (Debian's chromium, headless).

Outlook for Windows draws HTML mail with Word's engine: no <style> element, no max-width,
no border-radius, no padding or margin on anything but table cells and paragraphs, and it
reads the `<!--[if mso]>` comments. `as_outlook_draws` cuts a rendered mail down to that,
and the browser measures what is left: the card must still be 600 pixels wide, the button
a coloured cell with room around its words, nothing wider than the card. The mail as sent
is measured on a phone's width too.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest

from mailer.planfile import parse_plan
from mailer.render import Recipient, Renderer, personalize
from tests.test_render import STARTER

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# What Word's engine ignores in a style attribute (Microsoft's "Word 2007 HTML and CSS
# Rendering Capabilities in Outlook 2007", still true of Outlook for Windows).
IGNORED_EVERYWHERE = {"max-width", "min-width", "max-height", "border-radius", "display",
                      "opacity", "overflow", "box-shadow", "background-image", "word-break"}  # fmt: skip
BOX_PROPERTIES = re.compile(r"^(padding|margin)(-(top|right|bottom|left))?$")
BOXES_WORD_KEEPS = {"td", "th", "p", "h1", "h2", "h3", "li", "ul", "ol", "table", "body"}

MEASURE = """
<script>
const card = document.querySelector('table.card');
const box = card.getBoundingClientRect();
const cell = document.querySelector('td.button-cell');
const link = cell ? cell.querySelector('a') : null;
const wider = [...card.querySelectorAll('*')].filter(
  e => e.getBoundingClientRect().right > box.right + 0.5).map(e => e.tagName + '.' + e.className);
document.title = JSON.stringify({
  card: box.width,
  page: document.documentElement.scrollWidth,
  wider: wider,
  buttonBackground: cell ? getComputedStyle(cell).backgroundColor : null,
  buttonColor: link ? getComputedStyle(link).color : null,
  buttonRoom: cell ? cell.getBoundingClientRect().width - link.getBoundingClientRect().width : null,
});
</script>
"""


def as_outlook_draws(page: str) -> str:
    """The mail's HTML with only what Word's engine would use."""
    page = re.sub(r"<!--\[if mso\]>(.*?)<!\[endif\]-->", r"\1", page, flags=re.S)
    tree = lxml.html.fromstring(page)
    for style in tree.xpath("//style"):
        style.getparent().remove(style)
    for element in tree.xpath("//*[@style]"):
        kept = []
        for declaration in element.get("style").split(";"):
            name = declaration.split(":", 1)[0].strip().lower()
            if not name or name in IGNORED_EVERYWHERE:
                continue
            if BOX_PROPERTIES.match(name) and element.tag not in BOXES_WORD_KEEPS:
                continue
            kept.append(declaration.strip())
        element.set("style", "; ".join(kept))
    return lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")


def measured(page: str, width: int, folder: Path) -> dict:
    """The MEASURE figures of the page laid out `width` pixels wide. Headless chromium
    opens no window narrower than 500, so a phone's width is an iframe's (its own viewport,
    its own media queries), which reports to the page around it."""
    page = page.replace("</body>", MEASURE + "</body>")
    window = max(width, 800)
    if width < window:
        page = page.replace("document.title = JSON", "parent.document.title = JSON")
        page = (
            f'<html><body style="margin:0"><iframe width="{width}" height="900"'
            f' style="border:0" srcdoc="{html.escape(page)}"></iframe></body></html>'
        )
    path = folder / f"mail-{width}.html"
    path.write_text(page, "utf-8")
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={window},900", "--virtual-time-budget=2000", "--dump-dom",
         path.as_uri()],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    title = re.search(r"<title>(.*?)</title>", out, re.S)
    assert title is not None, out[:500]
    return json.loads(lxml.html.fromstring(f"<p>{title.group(1)}</p>").text_content())


def mail_html(kind: str) -> str:
    plan = parse_plan(STARTER)
    now = plan.local(datetime(2023, 9, 6, 16, 0))
    letter = Renderer(plan, None, now).letter(plan.session("2023-09-07"), kind, 1)
    message = personalize(
        plan, letter, Recipient("anna@example.org", "Anna Schmidt", "T0K3N"), "<id@x>", now
    )
    body = message.get_body(("html",))
    assert body is not None
    return body.get_content()


@pytest.mark.parametrize("kind", ["announcement", "reminder", "update", "cancellation"])
def test_the_layout_holds_as_outlook_for_windows_draws_it(kind: str, tmp_path: Path) -> None:
    page = mail_html(kind)
    cut = as_outlook_draws(page)
    assert "max-width" not in cut and "<style" not in cut
    found = measured(cut, 1200, tmp_path)
    assert found["card"] == 600
    assert found["wider"] == []
    if kind != "cancellation":
        assert found["buttonBackground"] == "rgb(11, 79, 108)"
        assert found["buttonColor"] == "rgb(255, 255, 255)"
        assert found["buttonRoom"] >= 40  # the cell's padding, which Word keeps


@pytest.mark.parametrize("kind", ["announcement", "update"])
def test_the_mail_as_sent_fits_a_phone_and_a_wide_window(kind: str, tmp_path: Path) -> None:
    page = mail_html(kind)
    phone = measured(page, 375, tmp_path)
    assert phone["page"] <= 375 and phone["card"] <= 375 - 2 * 12
    assert phone["wider"] == []
    assert measured(page, 1200, tmp_path)["card"] == 600


PROSE = """Wir blicken zurück auf **drei** Termine.

## Was war

- Wärmeplanung mit [Julia Stolzenberger](https://example.org/kww)
- Die Aufzeichnung: https://example.org/aufzeichnungen/2023-09-07-kommunale-waermeplanung-digital-impuls.mp4

| Termin | Thema | Gast |
|---|---|---|
| 5. Oktober | Kommunalfinanzen – für die Würde unserer Städte | Aktionsbündnis |
| 2. November | Künstliche Intelligenz in der Kommune | Ein Experte |

> Ein Zitat aus der Runde.
"""


def prose_html(kind: str) -> str:
    """A newsletter, or a recap, with a table, a list, a quote and a long address."""
    from dataclasses import replace

    plan = parse_plan(STARTER)
    now = plan.local(datetime(2023, 9, 7, 19, 30))
    renderer = Renderer(plan, None, now)
    if kind == "newsletter":
        letter, _ = renderer.newsletter(
            "Rückblick", PROSE, preheader=None, greeting=True, browser_url=None
        )
    else:
        letter = renderer.letter(replace(plan.session("2023-09-07"), recap=PROSE), kind, 0)
    message = personalize(
        plan, letter, Recipient("anna@example.org", "Anna Schmidt", "T0K3N"), "<id@x>", now
    )
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["newsletter", "recap"])
def test_markdown_mails_hold_in_outlook_and_fit_a_phone(kind: str, tmp_path: Path) -> None:
    page = prose_html(kind)
    assert "<table" in page and "<blockquote" in page
    outlook = measured(as_outlook_draws(page), 1200, tmp_path)
    assert outlook["card"] == 600 and outlook["wider"] == []
    phone = measured(page, 375, tmp_path)
    assert phone["page"] <= 375 and phone["wider"] == []
