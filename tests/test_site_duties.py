"""The public site's duties: /impressum and /datenschutz, linked from every page;
`web.imprint` and `web.privacy` in schedule.yaml, each mistake with its line; and the
starter privacy text of `mailer init`, which lists exactly what mailer stores, read from
the schema, so that it can never fall behind it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from mailer.errors import PlanError
from mailer.planfile import parse_plan
from mailer.privacy import TABLES, missing_words, starter_text
from mailer.store import schema_columns
from tests.conftest import STARTER, Mailer
from tests.webtools import Browserless, plan_ahead, sent_mails, served, visible_text


def with_web_section(web: str, plan: str = STARTER) -> str:
    return plan + "\nweb:\n  base_url: https://impuls.example.org\n" + web


# -- schedule.yaml: web.imprint and web.privacy ------------------------------------------


@pytest.mark.parametrize(
    ("web", "imprint", "text", "file"),
    [
        pytest.param("", "Digital-Impuls – Netzwerk junger Bürgermeister*innen\nMusterstraße 1,"
                     " 10115 Berlin · impuls@example.org", None, "datenschutz.md",
                     id="defaults: sender.imprint, datenschutz.md"),
        pytest.param("  imprint: |\n    Verein für Kommunen e. V.\n    Amtsgericht Berlin VR 1\n",
                     "Verein für Kommunen e. V.\nAmtsgericht Berlin VR 1", None, "datenschutz.md",
                     id="imprint of its own"),
        pytest.param("  privacy: texte/datenschutz-2024.md\n", None, None,
                     "texte/datenschutz-2024.md", id="privacy as a file in a folder below"),
        pytest.param("  privacy: |\n    # Datenschutz\n\n    Wir speichern nur die Adresse.\n",
                     None, "# Datenschutz\n\nWir speichern nur die Adresse.", None,
                     id="privacy as the text itself"),
        pytest.param("  privacy: Wir speichern nur die Adresse.\n", None,
                     "Wir speichern nur die Adresse.", None, id="privacy as one line of text"),
    ],
)  # fmt: skip
def test_web_imprint_and_privacy_are_read(web, imprint, text, file):
    plan = parse_plan(with_web_section(web))
    assert plan.web.imprint == (imprint or plan.sender.imprint)
    assert (plan.web.privacy_text, plan.web.privacy_file) == (text, file)


@pytest.mark.parametrize(
    ("web", "words"),
    [
        pytest.param("  privacy: ../geheim.md\n", "web.privacy: '../geheim.md' must name a file"
                     " beside schedule.yaml", id="privacy-outside-the-folder"),
        pytest.param("  privacy: /etc/datenschutz.md\n",
                     "web.privacy: '/etc/datenschutz.md' must name a file",
                     id="privacy-absolute"),
        pytest.param("  privacy: [a.md, b.md]\n", "web.privacy", id="privacy-a-list"),
        pytest.param("  imprint:\n    name: Verein\n", "web.imprint must be a single value",
                     id="imprint-a-mapping"),
        pytest.param("  privat: datenschutz.md\n",
                     "unknown key 'privat' in web (did you mean 'privacy'?)", id="typo"),
    ],
)  # fmt: skip
def test_a_mistake_in_web_imprint_or_privacy_names_its_line(web, words):
    text = with_web_section(web)
    line = len(text.splitlines())  # the row's last line: where the value stands
    with pytest.raises(PlanError) as caught:
        parse_plan(text)
    assert str(caught.value).startswith(f"schedule.yaml:{line}: "), str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("web", "file", "warning"),
    [
        pytest.param("  privacy: fehlt.md\n", None, "schedule.yaml:{line}: warning: web.privacy:"
                     " there is no file fehlt.md beside schedule.yaml; /datenschutz answers 503",
                     id="named-file-missing"),
        pytest.param("", None, "schedule.yaml: warning: web.privacy: there is no datenschutz.md"
                     " beside schedule.yaml, so /datenschutz shows the privacy text mailer writes",
                     id="default-file-missing"),
        pytest.param("  privacy: fehlt.md\n", "fehlt.md", None, id="named-file-there"),
        pytest.param("", "datenschutz.md", None, id="default-file-there"),
    ],
)  # fmt: skip
def test_check_warns_of_a_missing_privacy_file_without_refusing_the_plan(
    mailer: Mailer, web, file, warning
):
    mailer.write_plan(with_web_section(web))
    if file:
        (mailer.root / file).write_text("# Datenschutz\n", "utf-8")
    result = mailer("check")  # exit 0: the mails never depend on a web page
    warnings = [line for line in result.output.splitlines() if "web.privacy" in line]
    if warning is None:
        assert warnings == []
    else:
        line = len(with_web_section("").splitlines()) + 1
        (said,) = warnings
        assert said.startswith(warning.format(line=line)), said


# -- mailer init: the starter privacy text --------------------------------------------


def test_init_writes_the_plan_and_the_privacy_text(tmp_path):
    fresh = Mailer(tmp_path)
    result = fresh("init")
    assert "wrote" in result.output and (tmp_path / "datenschutz.md").exists()
    text = (tmp_path / "datenschutz.md").read_text("utf-8")
    assert text.startswith("# Datenschutzerklärung\n")
    assert "Digital-Impuls – Netzwerk junger Bürgermeister*innen  \nMusterstraße 1" in text
    assert "Eine Mail an themen@example.org genügt." in text


def test_init_beside_an_existing_plan_writes_only_the_privacy_text_for_that_series(tmp_path):
    mine = Mailer(tmp_path)
    own = STARTER.replace("name: Digital-Impuls", "name: Kommunal-Runde").replace(
        "reply_to: themen@example.org", "reply_to: runde@example.org"
    )
    mine.write_plan(own)
    mine("init")
    assert mine.config.read_text("utf-8") == own  # the organizer's plan stays as it is
    text = (tmp_path / "datenschutz.md").read_text("utf-8")
    assert "„Kommunal-Runde“" in text and "runde@example.org" in text
    again = mine("init", ok=False)
    assert again.exit_code == 1
    assert "schedule.yaml and datenschutz.md already exist here; use --force" in again.output
    (tmp_path / "datenschutz.md").write_text("meins", "utf-8")
    mine("init", "--force")
    assert (tmp_path / "datenschutz.md").read_text("utf-8").startswith("# Datenschutzerklärung")


def test_every_table_and_column_of_the_schema_has_its_words_in_the_privacy_text():
    """Fails when a migration adds a table or a column that TABLES does not describe (or
    TABLES describes one that is gone): the privacy text must say exactly what is stored."""
    assert missing_words(schema_columns()) == []


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        pytest.param(lambda s: {**s, "subscribers": (*s["subscribers"], "birthday")},
                     ["subscribers.birthday"], id="a-new-column"),
        pytest.param(lambda s: {**s, "attendance": ("session_key", "subscriber_id")},
                     ["attendance"], id="a-new-table"),
        pytest.param(lambda s: {**s, "rsvps": s["rsvps"][:-1]},
                     ["rsvps.recorded_at"], id="a-column-gone"),
    ],
)  # fmt: skip
def test_the_privacy_words_follow_the_schema(change, missing):
    assert missing_words(change(dict(schema_columns()))) == missing


def test_the_starter_names_every_column_and_speaks_to_nobody_as_du_or_sie():
    schema = schema_columns()
    text = " ".join(starter_text(parse_plan(STARTER), schema).split())
    for table, columns in schema.items():
        assert TABLES[table].title in text
        for column in columns:
            assert " ".join(TABLES[table].columns[column].split()) in text, f"{table}.{column}"
    assert not re.search(r"\b(Sie|Ihr|Ihre|Ihnen|du|dich|dir|dein|deine)\b", text)


# -- /impressum and /datenschutz ------------------------------------------------------


def test_imprint_and_privacy_pages_through_the_real_server(mailer: Mailer):
    (mailer.root / "datenschutz.md").write_text(
        "# Datenschutz beim Digital-Impuls\n\nWir speichern **nur**, was nötig ist.\n\n"
        "<script>alert(1)</script>\n",
        "utf-8",
    )
    with served(mailer) as base:
        visitor = Browserless(base)
        status, page = visitor.get("/impressum")
        assert status == 200
        assert "Digital-Impuls – Netzwerk junger Bürgermeister*innen\nMusterstraße 1" in page
        status, page = visitor.get("/datenschutz")
        assert status == 200
        assert "<h1>Datenschutz beim Digital-Impuls</h1>" in page
        assert "<strong>nur</strong>" in page
        assert "<script>" not in page and "&lt;script&gt;" in page  # Markdown's HTML is text
        (mailer.root / "datenschutz.md").unlink()  # no file: the text made from the schema
        status, page = visitor.get("/datenschutz")
        assert status == 200 and "Nachweis der Einwilligung" in page
        assert "die Namen der Anhänge (nicht die Anhänge selbst)" in page


def test_a_named_privacy_file_that_is_missing_is_a_503_not_someone_elses_text(mailer: Mailer):
    with served(mailer, plan=STARTER) as base:
        mailer.write_plan(STARTER + f"\nweb:\n  base_url: {base}\n  privacy: texte/fehlt.md\n")
        status, page = Browserless(base).get("/datenschutz")
        assert status == 503 and "fehlt.md" not in page
    assert "web.privacy: fehlt.md cannot be read" in (mailer.root / "serve.log").read_text()


def test_every_page_links_to_imprint_and_privacy(mailer: Mailer):
    day = date.today() + timedelta(days=5)
    mailer.add("anna@example.org")
    with served(mailer, plan=plan_ahead(day)) as base:
        mailer("tick")  # the real tick on the real clock: the announcement goes out
        (mail,) = sent_mails(mailer.root)
        with_links = re.search(r"/abmelden/(\S+?)[>\s]", mail["List-Unsubscribe"])
        assert with_links
        ref = with_links.group(1)
        organizer = Browserless(base)
        organizer.log_in()
        paths = [
            "/", "/archiv", "/impressum", "/datenschutz", f"/abmelden/{ref}",
            f"/einstellungen/{ref}", f"/zusage/{ref}/{day.isoformat()}/ja", "/gibt-es-nicht",
        ]  # fmt: skip
        for path in paths:
            _, page = Browserless(base).get(path)
            assert re.search(r'<a href="/impressum">Impressum</a>\s*<a href="/datenschutz">'
                             r"Datenschutz</a>", page), path  # fmt: skip
        for path in ("/admin/login", "/admin/", "/admin/antworten", "/admin/mitglieder",
                     "/admin/protokoll"):  # fmt: skip
            _, page = organizer.get(path)
            assert '<a href="/impressum">Impressum</a>' in page, path
            assert '<a href="/datenschutz">Datenschutz</a>' in page, path
        # The web version of a mail ("im Browser ansehen") links to both too.
        status, letter = Browserless(base).get(f"/brief/{day.isoformat()}/announcement")
        assert status == 200
        assert f'<a href="{base}/impressum"' in letter and f'<a href="{base}/datenschutz"' in letter
        words = visible_text(letter)
        assert "Impressum · Datenschutz" in words
