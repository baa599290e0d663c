"""/admin/mitglieder through Flask's test client on a real database, and the core it
shares with the CLI: the search (Store.find), the import that says what it would do
before it does it (Store.plan_import), the edit (Store.edit_person), what an erasure
takes (erasure.holdings), and the organizer's words for them. Tables of bad input: each
gets one German sentence on its field, never a 500, and changes nothing."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

import pytest

from mailer import audit
from mailer.consent import Act, complaint_cause
from mailer.members import import_cause, read_members
from mailer.salutation import Person
from mailer.store import Store
from mailer.web.admin import member_words
from mailer.web.admin.members import ADD_AGAIN_CAUSE, ADD_CAUSE, UNSUBSCRIBE_CAUSE
from mailer.web.admin.words import cause_words
from tests.conftest import Mailer
from tests.webtools import Clock, client, hidden_fields, log_in, with_web

START = datetime(2023, 8, 20, 8, 0, tzinfo=UTC)
PEOPLE = [  # (address, name, first, last, salutation, municipality, status)
    ("anna@example.org", "Anna Schmidt", "Anna", "Schmidt", "Frau Bürgermeisterin",
     "Übach-Palenberg", "active"),
    ("ben@example.org", "Ben Özdemir", "Ben", "Özdemir", "Herr", "Musterstadt", "active"),
    ("carla@example.org", None, None, None, None, "Großdorf", "unsubscribed"),
    ("dora_50%@example.org", "Dora [Doppelname]", None, None, None, "Beispiel*Stadt",
     "bounced"),
    ("eve@example.org", "Eve", None, None, None, "übach am Rhein", "pending"),
]  # fmt: skip


@pytest.fixture
def people(tmp_path) -> Store:
    store = Store(tmp_path / "s.db")
    for email, name, first, last, salutation, org, status in PEOPLE:
        person = Person(name, org, first, last, salutation)
        store.change(email, Act.ADD, "test", START, person=person)
        if status == "unsubscribed":
            store.change(email, Act.UNSUBSCRIBE, "test", START)
        elif status == "bounced":
            store.change(email, Act.BOUNCE, "bounce 5.1.1 (test)", START)
        elif status == "pending":
            store.forget(store.subscriber(email).id)
            store.change(email, Act.SIGN_UP, "test", START, person=person)
    yield store
    store.close()


# -- the search: what it finds -----------------------------------------------------------

SEARCHES = {
    # id: (words, status, the addresses found)
    "everyone, by address": ("", None, [p[0] for p in sorted(PEOPLE)]),
    "a status": ("", "active", ["anna@example.org", "ben@example.org"]),
    "an umlaut in lower case finds upper": ("übach", None, ["anna@example.org", "eve@example.org"]),
    "an umlaut in upper case finds lower": ("ÜBACH", None, ["anna@example.org", "eve@example.org"]),
    "ascii in any case": ("MUSTERSTADT", None, ["ben@example.org"]),
    "a first name": ("anna", None, ["anna@example.org"]),
    "a last name with an umlaut": ("özdemir", None, ["ben@example.org"]),
    "only letters beyond ASCII": ("Ö", None, ["ben@example.org"]),
    "ß among capitals": ("GROßDORF", None, ["carla@example.org"]),
    "an umlaut inside": ("ÖZD", None, ["ben@example.org"]),
    "a salutation": ("bürgermeisterin", None, ["anna@example.org"]),
    "part of an address": ("carla@", None, ["carla@example.org"]),
    "every word must be found": ("anna musterstadt", None, []),
    "words in different fields": ("ben musterstadt", None, ["ben@example.org"]),
    "words and a status": ("übach", "pending", ["eve@example.org"]),
    "LIKE's % is a letter": ("50%", None, ["dora_50%@example.org"]),
    "LIKE's _ is a letter": ("a_", None, ["dora_50%@example.org"]),
    "a lone _ is no wildcard": ("_", None, ["dora_50%@example.org"]),
    "GLOB's * is a letter": ("spiel*städt", None, []),
    "GLOB's * found as written": ("ßdorf*", None, []),
    "GLOB's [ is a letter": ("[doppelnäme", None, []),
    "GLOB's [ found as written": ("[doppel", None, ["dora_50%@example.org"]),
    "nobody": ("zzz", None, []),
}


@pytest.mark.parametrize("case", list(SEARCHES), ids=list(SEARCHES))
def test_the_search_finds_every_word_in_any_field_and_case(people: Store, case: str) -> None:
    words, status, expected = SEARCHES[case]
    found = people.find(words, status)
    assert [member.email for member in found.members] == expected
    assert found.total == len(expected)


def test_the_search_pages_and_counts_them_all(tmp_path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_many(
            ((f"m{n:03}@gemeinde.example", Person(org="Übach")) for n in range(120)),
            consent="test", now=START,
        )  # fmt: skip
        for words in ("", "gemeinde", "übach"):
            pages = [store.find(words, limit=50, offset=offset) for offset in (0, 50, 100)]
            assert [len(page.members) for page in pages] == [50, 50, 20]
            assert {page.total for page in pages} == {120}
            seen = [m.email for page in pages for m in page.members]
            assert seen == [f"m{n:03}@gemeinde.example" for n in range(120)]
            assert len(store.find(words, limit=None, offset=10).members) == 110


# -- the list page: bad values in the address ----------------------------------------------


@pytest.fixture
def door(mailer: Mailer):
    with_web(mailer)
    clock = Clock(START)
    web = client(mailer, clock)
    log_in(web)
    return mailer, clock, web


def text_of(answer) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)))


BAD_LIST_VALUES = {
    "unknown status": ("status=geloescht", "Diesen Status gibt es nicht"),
    "status in English": ("status=active", "Diesen Status gibt es nicht"),
    "page not a number": ("seite=zwei", "Die Seite ist keine Zahl ab 1"),
    "page zero": ("seite=0", "Die Seite ist keine Zahl ab 1"),
    "page negative": ("seite=-1", "Die Seite ist keine Zahl ab 1"),
    "page in superscript digits": ("seite=%C2%B2", "Die Seite ist keine Zahl ab 1"),
    "page in Arabic digits": ("seite=%D9%A1", "Die Seite ist keine Zahl ab 1"),
    "page beyond SQLite's integers": ("seite=" + "9" * 30, "Die Seite ist keine Zahl ab 1"),
    "search too long": ("suche=" + "a" * 201, "Höchstens 200 Zeichen."),
}


@pytest.mark.parametrize("case", list(BAD_LIST_VALUES), ids=list(BAD_LIST_VALUES))
def test_a_bad_value_in_the_lists_address_is_said_on_its_field(door, case: str) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    query, sentence = BAD_LIST_VALUES[case]
    answer = web.get(f"/admin/mitglieder?{query}")
    assert answer.status_code == 400
    said = text_of(answer)
    assert sentence in said
    assert "anna@example.org" in said  # and the list is shown all the same


def test_a_page_past_the_end_shows_the_last_one(door) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    answer = web.get("/admin/mitglieder?seite=7")
    assert answer.status_code == 200
    assert "anna@example.org" in text_of(answer)


@pytest.mark.parametrize(
    "path",
    ["/admin/mitglieder/2", "/admin/mitglieder/2/bearbeiten", "/admin/mitglieder/2/loeschen",
     "/admin/mitglieder/" + "9" * 19, "/admin/mitglieder/%D9%A1"],
    ids=["not a member", "edit", "remove", "beyond 64 bits", "Arabic digit"],
)  # fmt: skip
def test_a_member_who_is_not_there_is_404(door, path: str) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    assert web.get(path).status_code == 404


# -- one member: edit, unsubscribe, remove, add ---------------------------------------------


def form_of(web, path: str) -> dict[str, str]:
    return hidden_fields(web.get(path).get_data(as_text=True))


def admin_log(mailer: Mailer) -> list[audit.Entry]:
    with Store(mailer.db) as store:
        return audit.recent(store.conn)


BAD_NAMES = {
    # id: (field, value, sentence)
    "name too long": ("name", "A" * 201, "Höchstens 200 Zeichen."),
    "first name too long": ("first_name", "A" * 201, "Höchstens 200 Zeichen."),
    "last name too long": ("last_name", "A" * 201, "Höchstens 200 Zeichen."),
    "salutation too long": ("salutation", "A" * 201, "Höchstens 200 Zeichen."),
    "municipality too long": ("org", "A" * 201, "Höchstens 200 Zeichen."),
}


@pytest.mark.parametrize("case", list(BAD_NAMES), ids=list(BAD_NAMES))
def test_a_bad_edit_is_said_on_its_field_and_nothing_changes(door, case: str) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    field, value, sentence = BAD_NAMES[case]
    form = form_of(web, "/admin/mitglieder/1/bearbeiten")
    answer = web.post("/admin/mitglieder/1/bearbeiten", data={**form, field: value})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert re.search(rf'id="{field}-fehler">{sentence}<', page)
    assert Store(mailer.db).subscriber("anna@example.org").name == "Anna"
    assert admin_log(mailer) == []


def test_an_edit_takes_what_the_cli_takes_and_records_who_made_it(door) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    form = form_of(web, "/admin/mitglieder/1/bearbeiten")
    answer = web.post("/admin/mitglieder/1/bearbeiten", follow_redirects=True, data={
        **form, "name": "", "first_name": " Anna\r\n", "last_name": "<b>Schmidt</b>",
        "salutation": "Frau  Bürgermeisterin", "org": "Übach-Palenberg"})  # fmt: skip
    assert "Gespeichert." in text_of(answer)
    assert "&lt;b&gt;Schmidt&lt;/b&gt;" in answer.get_data(as_text=True)
    anna = Store(mailer.db).subscriber("anna@example.org")
    assert (anna.name, anna.first_name, anna.last_name, anna.salutation, anna.org) == (
        "Anna <b>Schmidt</b>",
        "Anna",
        "<b>Schmidt</b>",
        "Frau Bürgermeisterin",
        "Übach-Palenberg",
    )  # one line each, as clean_text makes it; the empty name is made of the two
    (entry,) = admin_log(mailer)
    assert (entry.organizer, entry.action, entry.subject) == ("admin", "member.edit", anna.email)
    assert "Kommune: – → Übach-Palenberg" in entry.detail
    cli = mailer("subscribers", "edit", "anna@example.org", "--first-name", " Anna\r\n")
    assert cli.stdout == "unchanged: anna@example.org\n"  # the same rules: nothing to change


def test_unsubscribing_keeps_the_proof_and_only_a_post_does_it(door) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    assert web.get("/admin/mitglieder/1/abmelden").status_code == 405
    assert web.post("/admin/mitglieder/1/abmelden").status_code == 400  # no CSRF token
    form = form_of(web, "/admin/mitglieder/1")
    answer = web.post("/admin/mitglieder/1/abmelden", data=form, follow_redirects=True)
    assert "Abgemeldet." in text_of(answer)
    assert "vom Orga-Team in /admin abgemeldet" in text_of(answer)
    with Store(mailer.db) as store:
        log = store.consent_log("anna@example.org")
        assert [(e["status"], e["cause"]) for e in log][-1] == ("unsubscribed", UNSUBSCRIBE_CAUSE)
        assert store.standing(store.subscriber("anna@example.org")).withdrawn
    assert [(e.action, e.subject) for e in admin_log(mailer)] == [
        ("member.unsubscribe", "anna@example.org")
    ]


BAD_REMOVALS = {
    "no token": lambda form: {"address": form["address"]},
    "no address": lambda form: {"csrf_token": form["csrf_token"]},
    "another address": lambda form: {**form, "address": "ben@example.org"},
    "the address in capitals": lambda form: {**form, "address": "ANNA@EXAMPLE.ORG"},
}


@pytest.mark.parametrize("case", list(BAD_REMOVALS), ids=list(BAD_REMOVALS))
def test_a_removal_needs_its_confirmation_page(door, case: str) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org", "ben@example.org")
    form = form_of(web, "/admin/mitglieder/1/loeschen")
    answer = web.post("/admin/mitglieder/1/loeschen", data=BAD_REMOVALS[case](form))
    assert answer.status_code == 400
    assert Store(mailer.db).subscriber("anna@example.org") is not None
    assert Store(mailer.db).subscriber("ben@example.org") is not None


def test_the_confirmation_names_what_is_erased_and_the_log_keeps_no_trace(door) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    form = form_of(web, "/admin/mitglieder/1/bearbeiten")
    web.post("/admin/mitglieder/1/bearbeiten", data={**form, "org": "Musterstadt"})
    mailer("tick", "--now", "2023-08-24T16:00")  # the announcement of 7 September
    page = text_of(web.get("/admin/mitglieder/1/loeschen"))
    for said in ("1 Eintrag im Verlauf der Zustimmung", "1 Mail an die Adresse im Postausgang",
                 "0 Antworten auf Einladungen", "1 Eintrag im Protokoll von /admin"):  # fmt: skip
        assert said in page
    answer = web.post(
        "/admin/mitglieder/1/loeschen", data=form_of(web, "/admin/mitglieder/1/loeschen")
    )
    assert "anna@example.org und alles, was mailer über die Person wusste, ist gelöscht." in (
        text_of(answer)
    )
    assert Store(mailer.db).subscriber("anna@example.org") is None
    (entry,) = admin_log(mailer)
    assert (entry.action, entry.subject) == ("member.remove", None)
    assert "anna" not in entry.detail and "Musterstadt" not in entry.detail


BAD_ADDRESSES = {
    "empty": ("", "Bitte ausfüllen."),
    "no @": ("anna.example.org", "„anna.example.org“ ist keine gültige E-Mail-Adresse (es fehlt das @)."),
    "two @": ("anna@@example.org", "(mehr als ein @)"),
    "a space": ("anna schmidt@example.org", "(Leerzeichen in der Adresse)"),
    "nothing before the @": ("@example.org", "(vor dem @ fehlt etwas)"),
    "nothing after the @": ("anna@", "(nach dem @ fehlt etwas)"),
    "no dot after the @": ("anna@localhost", "(nach dem @ fehlt die Endung, etwa .de)"),
    "a bad character": ("anna,schmidt@example.org", "(ungültige Zeichen oder Form)"),
    "too long": ("a" * 250 + "@example.org", "Höchstens 254 Zeichen."),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_ADDRESSES), ids=list(BAD_ADDRESSES))
def test_a_bad_address_to_add_is_said_in_german_on_its_field(door, case: str) -> None:
    mailer, _, web = door
    address, sentence = BAD_ADDRESSES[case]
    form = form_of(web, "/admin/mitglieder/neu")
    answer = web.post("/admin/mitglieder/neu", data={**form, "email": address, "consent": "Mail"})
    assert answer.status_code == 400
    assert sentence in re.search(r'id="email-fehler">([^<]*)<', answer.get_data(as_text=True))[1]
    assert mailer.json("subscribers", "list") == []


def test_adding_needs_how_they_agreed_and_records_it(door) -> None:
    mailer, _, web = door
    form = form_of(web, "/admin/mitglieder/neu")
    answer = web.post("/admin/mitglieder/neu", data={**form, "email": "anna@example.org"})
    assert re.search(r'id="consent-fehler">Bitte ausfüllen.<', answer.get_data(as_text=True))
    answer = web.post("/admin/mitglieder/neu", follow_redirects=True, data={
        **form, "email": "Anna@Example.org", "consent": "Visitenkarte", "first_name": "Anna",
        "last_name": "Schmidt", "salutation": "Frau", "org": "Musterstadt"})  # fmt: skip
    assert "Anna@example.org ist jetzt im Verteiler." in text_of(answer)
    anna = Store(mailer.db).subscriber("anna@example.org")
    assert (anna.name, anna.salutation, anna.consent_source) == (
        "Anna Schmidt",
        "Frau",
        f"{ADD_CAUSE}: Visitenkarte",
    )
    assert [(e.action, e.subject) for e in admin_log(mailer)] == [
        ("member.add", "Anna@example.org")
    ]


# -- import: the preview, then the confirmation --------------------------------------------


def upload(web, data: bytes, name: str = "liste.csv"):
    form = form_of(web, "/admin/mitglieder/import")
    return web.post(
        "/admin/mitglieder/import",
        data={**form, "upload": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(web, preview) -> object:
    return web.post("/admin/mitglieder/import/eintragen", data=hidden_fields(
        preview.get_data(as_text=True)))  # fmt: skip


UNREADABLE = {
    # id: (the file, the sentence)
    "empty": (b"", "In der Datei steht kein Mitglied."),
    "only a header": (b"email,name\n", "In der Datei steht kein Mitglied."),
    "a quote never closed": (b'email,name\na@example.org,"Anna\nb@example.org,Ben\n',
                             'Zeile 2: Hier beginnt ein Anführungszeichen ("), das nie'),
    "a field too long": (b"email,name\na@example.org," + b"x" * 140_000 + b"\n",
                         "Zeile 2: Ein Feld ist länger als 128 KiB."),
    "UTF-8 and Windows-1252 mixed": ("email,name\na@example.org,Jürgen\n".encode()
                                     + "b@example.org,Jürgen\n".encode("cp1252"),
                                     "Die Datei lässt sich nicht als Liste lesen."),
    "a picture": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x81\x8d\x8f\x90",
                  "Die Datei lässt sich nicht als Liste lesen."),
}  # fmt: skip


@pytest.mark.parametrize("case", list(UNREADABLE), ids=list(UNREADABLE))
def test_a_list_that_cannot_be_read_is_one_sentence_and_nothing_is_kept(door, case) -> None:
    mailer, _, web = door
    data, sentence = UNREADABLE[case]
    answer = upload(web, data)
    assert answer.status_code == 400
    said = html.unescape(
        re.search(r'id="upload-fehler">([^<]*)<', answer.get_data(as_text=True))[1]
    )
    assert sentence in said
    assert web.application.extensions["mailer"].uploads._held == {}
    assert mailer.json("subscribers", "list") == []


def test_no_file_chosen_is_said_on_the_field(door) -> None:
    _, _, web = door
    form = form_of(web, "/admin/mitglieder/import")
    answer = web.post("/admin/mitglieder/import", data=form, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert "Bitte eine CSV-Datei auswählen." in text_of(answer)


LINES = {
    # id: (a row of the file, what the preview says about its line)
    "no @": ("anna.example.org,Anna", "Zeile 2: „anna.example.org“ ist keine gültige E-Mail-Adresse (es fehlt das @)."),
    "empty address": (",Niemand", "Zeile 2: Die E-Mail-Adresse fehlt."),
    "two @": ("a@b@example.org,A", "Zeile 2: „a@b@example.org“ ist keine gültige E-Mail-Adresse (mehr als ein @)."),
    "a repeat": ("ben@example.org,Ben noch einmal", "Zeile 2: ben@example.org steht schon in Zeile 1; übersprungen."),
}  # fmt: skip


@pytest.mark.parametrize("case", list(LINES), ids=list(LINES))
def test_the_preview_says_each_bad_line_in_german(door, case: str) -> None:
    _, _, web = door
    row, sentence = LINES[case]
    answer = upload(web, f"ben@example.org,Ben\n{row}\n".encode())
    assert answer.status_code == 200
    assert sentence in text_of(answer)
    assert "1 neu, 0 schon da, 1 fehlerhafte Zeile" in text_of(answer)


def test_the_preview_writes_nothing_and_the_confirmation_imports_what_it_showed(door) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    mailer("subscribers", "add", "carla@example.org")
    mailer("subscribers", "unsubscribe", "carla@example.org")
    data = ("E-Mail;Vorname;Nachname;Kommune;Telefon\nanna@example.org;Anna;S;X;1\n"
            "ben@example.org;Ben;Özdemir;Übach;2\ncarla@example.org;Carla;C;Y;3\n"
            "kaputt;K;K;K;4\n").encode("cp1252")  # fmt: skip
    before = Store(mailer.db).conn.execute("SELECT count(*) FROM consent_log").fetchone()
    preview = upload(web, data, "neu.csv")
    said = text_of(preview)
    assert "1 neu, 1 schon da, 1 nach Abmeldung ausgelassen, 1 fehlerhafte Zeile" in said
    assert "Zeile 1: Die Spalte „Telefon“ kennt mailer nicht; sie wird nicht übernommen." in said
    assert "Zeile 4: carla@example.org: abgemeldet am Sonntag, 20. August 2023." not in said
    assert re.search(r"Zeile 4: carla@example.org: abgemeldet am \w+, \d+\. \w+ \d{4}\. Nur mit"
                     " neuer Zustimmung wieder aufnehmen", said)  # fmt: skip
    assert "Zeile 5: „kaputt“ ist keine gültige E-Mail-Adresse (es fehlt das @)." in said
    assert "Ben Özdemir" in said
    assert Store(mailer.db).subscriber("ben@example.org") is None
    assert Store(mailer.db).conn.execute("SELECT count(*) FROM consent_log").fetchone() == before

    done = confirm(web, preview)
    assert done.status_code == 200
    assert "1 eingetragen, 1 schon da, 1 nach Abmeldung ausgelassen, 1 fehlerhafte Zeile" in (
        text_of(done)
    )
    ben = Store(mailer.db).subscriber("ben@example.org")
    assert (ben.status, ben.name, ben.org, ben.consent_source) == (
        "active",
        "Ben Özdemir",
        "Übach",
        import_cause("neu.csv"),
    )
    assert Store(mailer.db).subscriber("carla@example.org").status == "unsubscribed"
    (entry,) = [e for e in admin_log(mailer) if e.action == "member.import"]
    assert (entry.organizer, entry.subject) == ("admin", None)
    assert entry.detail.startswith("neu.csv: 1 eingetragen")
    again = confirm(web, preview)  # the same button twice: the upload is gone
    assert again.status_code == 410
    assert "Bitte noch einmal hochladen" in text_of(again)


def test_the_cli_dry_run_says_the_same_and_writes_nothing(door, tmp_path) -> None:
    mailer, _, web = door
    mailer.add("anna@example.org")
    listing = tmp_path / "neu.csv"
    listing.write_text("email\nanna@example.org\nben@example.org\nkaputt\n", "utf-8")
    said = mailer("subscribers", "import", str(listing), "--dry-run")
    assert said.stdout == "would import 1, already on the list 1, bad rows 1\n"
    assert Store(mailer.db).subscriber("ben@example.org") is None
    assert "1 neu, 1 schon da, 1 fehlerhafte Zeile" in text_of(upload(web, listing.read_bytes()))


HELD_BACK = {
    "an unknown key": lambda key: "x" + key[1:],
    "an empty key": lambda key: "",
    "a key too long": lambda key: key * 5,
}


@pytest.mark.parametrize("case", list(HELD_BACK), ids=list(HELD_BACK))
def test_only_the_key_of_the_preview_imports(door, case: str) -> None:
    mailer, _, web = door
    preview = upload(web, b"email\nben@example.org\n")
    fields = hidden_fields(preview.get_data(as_text=True))
    fields["upload"] = HELD_BACK[case](fields["upload"])
    answer = web.post("/admin/mitglieder/import/eintragen", data=fields)
    assert answer.status_code == 410
    assert Store(mailer.db).subscriber("ben@example.org") is None


def test_an_upload_is_kept_an_hour_and_only_for_its_organizer(door) -> None:
    mailer, clock, web = door
    mailer("admin", "add", "bea", input="ein anderes langes Passwort\n")
    other = client(mailer, clock)
    log_in(other, "ein anderes langes Passwort", name="bea")
    preview = upload(web, b"email\nben@example.org\n")
    fields = hidden_fields(preview.get_data(as_text=True))
    theirs = {**hidden_fields(other.get("/admin/mitglieder").get_data(as_text=True)),
              "upload": fields["upload"]}  # fmt: skip
    assert other.post("/admin/mitglieder/import/eintragen", data=theirs).status_code == 410
    clock.wait(hours=1, seconds=1)
    assert web.post("/admin/mitglieder/import/eintragen", data=fields).status_code == 410
    assert Store(mailer.db).subscriber("ben@example.org") is None


def test_a_large_upload_only_for_a_logged_in_organizer(door) -> None:
    mailer, clock, web = door
    rows = "".join(f"m{n}@gemeinde-mit-langem-namen.example,Mitglied {n}\n" for n in range(4000))
    data = ("email,name\n" + rows).encode()
    assert 64 * 1024 < len(data) < 8 * 1024 * 1024
    assert "4000 neu" in text_of(upload(web, data))
    stranger = client(mailer, clock)
    answer = stranger.post(
        "/admin/mitglieder/import", data={"upload": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert answer.status_code == 413
    form = form_of(web, "/admin/mitglieder/import")
    body = (  # written out: the test client would spool a dict's file to a temporary file
        b"--x\r\nContent-Disposition: form-data; name=csrf_token\r\n\r\n"
        + form["csrf_token"].encode()
        + b'\r\n--x\r\nContent-Disposition: form-data; name=upload; filename="x.csv"\r\n\r\n'
        + b"m@example.org\n" * (9 * 1024 * 1024 // 14)
        + b"\r\n--x--\r\n"
    )
    huge = web.post(
        "/admin/mitglieder/import", data=body, content_type="multipart/form-data; boundary=x"
    )
    assert huge.status_code == 413
    assert "Diese Anfrage ist zu groß." in text_of(huge)


def test_the_export_is_the_clis(door) -> None:
    mailer, _, web = door
    mailer("subscribers", "add", "anna@example.org", "--name", '=HYPERLINK("x")')
    answer = web.get("/admin/mitglieder/export.csv")
    assert (
        answer.headers["Content-Disposition"] == 'attachment; filename="mitglieder-2023-08-20.csv"'
    )
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.data == mailer("subscribers", "export").stdout_bytes
    assert "'=HYPERLINK" in answer.get_data(as_text=True)  # formulas escaped, as the CLI's


# -- the organizer's words ---------------------------------------------------------------

CAUSES = {
    # id: (a cause as mailer writes it, its German words)
    "cli add": ("added by the organizer", "vom Orga-Team eingetragen"),
    "admin add": (f"{ADD_CAUSE}: Visitenkarte", "vom Orga-Team im Browser eingetragen: Visitenkarte"),
    "admin add again": (f"{ADD_AGAIN_CAUSE}: Anruf",
                        "vom Orga-Team im Browser wieder eingetragen, mit neuer Zustimmung: Anruf"),
    "import": (import_cause("liste.csv"), "importiert aus liste.csv"),
    "sign-up": ("signed up on the web form https://x.example/ (waiting for confirmation)",
                "über das Formular auf https://x.example/ angemeldet (wartet auf Bestätigung)"),
    "confirmation": ("confirmed the sign-up with the link in the confirmation mail (double opt-in)",
                     "Anmeldung mit dem Link aus der Bestätigungsmail bestätigt (Double-Opt-in)"),
    "one-click": ("one-click unsubscribe (RFC 8058)",
                  "Abmeldung mit einem Klick (RFC 8058)"),
    "unsubscribe page": ("unsubscribed on the web page", "auf der Abmeldeseite abgemeldet"),
    "cli unsubscribe": ("unsubscribed by the organizer", "vom Orga-Team abgemeldet"),
    "admin unsubscribe": (UNSUBSCRIBE_CAUSE, "vom Orga-Team in /admin abgemeldet"),
    "mail link": ("unsubscribe link (mail)", "Abmeldelink (per Mail)"),
    "asked by mail": ("asked by mail", "per Mail um Abmeldung gebeten"),
    "complaint": (complaint_cause("Feedback-Type: abuse"), "als Spam gemeldet (Feedback-Type: abuse)"),
    "reminders off": ("reminders off (web settings)", "Erinnerungen aus (Einstellungsseite)"),
    "reminders on": ("reminders on (web settings)", "Erinnerungen an (Einstellungsseite)"),
    "rejoin": ("subscribed again on the web page after leaving (link from our mail)",
               "nach der Abmeldung auf der Einstellungsseite wieder eingetragen (Link aus unserer Mail)"),
    "reactivate": ("reactivated by the organizer: bounced since 2023-07-15T00:00",
                   "vom Orga-Team wieder aktiviert: unzustellbar seit 2023-07-15T00:00"),
    "refile": ("refiled by the organizer: <a@b>", "vom Orga-Team neu eingeordnet: <a@b>"),
    "hard bounce": ("bounce 5.1.1 (no such user)", "unzustellbar 5.1.1 (no such user)"),
    "soft bounce": ("soft bounce 4.2.2 (full)", "vorübergehend unzustellbar 4.2.2 (full)"),
    "address-only": ("address-only bounce 5.1.1 (x); bounce score 3",
                     "unzustellbar gemeldet 5.1.1 (x; die Meldung nennt nur die Adresse); Bounce-Punkte 3"),
    "smtp": ("SMTP 550 5.1.1 no such user", "vom Mailserver abgelehnt: 550 5.1.1 no such user"),
    "the organizer's own note": ("per Mail vom 3.9.2023", "per Mail vom 3.9.2023"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CAUSES), ids=list(CAUSES))
def test_every_cause_mailer_writes_has_german_words(case: str) -> None:
    cause, words = CAUSES[case]
    assert cause_words(cause) == words


def test_the_clis_line_report_and_the_pages_come_from_one_reading(tmp_path) -> None:
    """The same file: the CLI's English lines and /admin's German ones name the same lines."""
    data = b"email\nanna@example.org\nkaputt\nanna@example.org\n,\n"
    found = read_members(data, "x.csv")
    english = [problem.line for problem in found.problems]
    german = [
        int(re.match(r"Zeile (\d+):", member_words.row_problem(p))[1]) for p in found.problems
    ]
    assert english == german == [3, 4]


TOO_LARGE = {
    # id: (path, logged in)
    "the login": ("/admin/login", False),
    "adding a member": ("/admin/mitglieder/neu", True),
    "an edit": ("/admin/mitglieder/1/bearbeiten", True),
    "an import, not logged in": ("/admin/mitglieder/import", False),
    "a refile": ("/admin/antworten/neu-einordnen", True),
}


@pytest.mark.parametrize("case", list(TOO_LARGE), ids=list(TOO_LARGE))
def test_a_request_too_large_is_the_413_page_on_every_admin_page(door, case: str) -> None:
    """The error page about a request must not read its body again (it did, for the
    logout button of every /admin page: a 500)."""
    mailer, clock, web = door
    mailer.add("anna@example.org")
    path, logged_in = TOO_LARGE[case]
    sender = web if logged_in else client(mailer, clock)
    answer = sender.post(path, data={"name": "x" * 100_000})
    assert answer.status_code == 413
    assert "Diese Anfrage ist zu groß." in text_of(answer)


# -- the CLI's side of the one core ----------------------------------------------------------

EDITS = {
    # id: (options, (name, first, last, salutation, org) after, what it says)
    "a municipality": (["--org", "Musterstadt"],
                       ("Anna S", "Anna", "S", None, "Musterstadt"), "changed anna@example.org: org Musterstadt\n"),
    "an empty name is made of the others": (["--name", ""],
                                            ("Anna S", "Anna", "S", None, None), "unchanged: anna@example.org\n"),
    "a salutation on one line": (["--salutation", "Frau\n Dr."],
                                 ("Anna S", "Anna", "S", "Frau Dr.", None),
                                 "changed anna@example.org: salutation Frau Dr.\n"),
    "emptied": (["--first-name", "", "--last-name", " "],
                ("Anna S", None, None, None, None),
                "changed anna@example.org: first_name (none), last_name (none)\n"),
    "nothing given": ([], ("Anna S", "Anna", "S", None, None), "unchanged: anna@example.org\n"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(EDITS), ids=list(EDITS))
def test_subscribers_edit_changes_what_it_is_given(mailer: Mailer, case: str) -> None:
    mailer("subscribers", "add", "anna@example.org", "--first-name", "Anna", "--last-name", "S")
    options, after, said = EDITS[case]
    assert mailer("subscribers", "edit", "ANNA@example.org", *options).stdout == said
    anna = Store(mailer.db).subscriber("anna@example.org")
    assert (anna.name, anna.first_name, anna.last_name, anna.salutation, anna.org) == after
    assert anna.status == "active"


@pytest.mark.parametrize(
    ("args", "sentence"),
    [(["nobody@example.org", "--org", "X"], "nobody@example.org is not on the list\n"),
     (["anna@example.org", "--org", "M\udcfcnster"],
      "--org: not UTF-8 text; set the terminal to UTF-8 and type it again\n")],
    ids=["not on the list", "not UTF-8"],
)  # fmt: skip
def test_subscribers_edit_refuses_with_one_sentence(mailer: Mailer, args, sentence) -> None:
    mailer.add("anna@example.org")
    result = mailer("subscribers", "edit", *args, ok=False)
    assert (result.exit_code, result.stderr) == (1, sentence)


def test_subscribers_list_searches_as_the_page_does(mailer: Mailer) -> None:
    mailer("subscribers", "add", "anna@example.org", "--org", "Übach-Palenberg")
    mailer("subscribers", "add", "ben@example.org", "--org", "Musterstadt")
    found = mailer.json("subscribers", "list", "--search", "ÜBACH")
    assert [p["email"] for p in found] == ["anna@example.org"]
    assert mailer.json("subscribers", "list", "--search", "ben", "--status", "pending") == []


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("/home/anna/neu.csv", "neu.csv"), ("../../neu.csv", "neu.csv"), ("a" * 300, "a" * 120)],
    ids=["a folder", "a relative folder", "too long"],
)
def test_an_uploads_name_is_one_line_without_its_folder(door, sent: str, kept: str) -> None:
    mailer, _, web = door
    preview = upload(web, b"email\nben@example.org\n", sent)
    assert f"{kept}: was geschehen würde" in text_of(preview)
    confirm(web, preview)
    assert Store(mailer.db).subscriber("ben@example.org").consent_source == import_cause(kept)
