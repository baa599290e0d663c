"""A request to leave, in a member's own words. Pure: text in, the words that ask (or
None) out.

Decided on the request, not on a word: "Abmeldung" as a subject of municipal work, a
mailing list or a newsletter as a topic, stays a topic idea. A request is a clause in
which the member asks for themselves:

- to be taken off: "Bitte nehmen Sie mich aus dem Verteiler", "nimm mich raus",
  "streichen/löschen/entfernen Sie mich (meine Adresse)", "tragen Sie mich aus",
  "melden Sie mich ab", "mich aus dem Verteiler zu nehmen", "remove me", "take me off";
- to leave: "Ich möchte mich abmelden", "hiermit melde ich mich ab", "ich möchte den
  Newsletter abbestellen", "I'd like to unsubscribe", "unsubscribe me", "opt me out";
- for no more of our mail: "keine (weiteren) Einladungen/E-Mails mehr", "ich brauche
  diese Einladungen nicht mehr", "schicken Sie mir keine Mails mehr", "stop sending me",
  "I no longer wish to receive", "don't send me any more";
- in a clause of its own, without naming whom: "Bitte aus dem Verteiler löschen",
  "Bitte austragen", "Abmeldung bitte", "Bitte um Austragung".

A clause that negates the request ("Bitte nicht abmelden, ich bin nur im Urlaub",
"please don't remove me") asks for nothing. Saying that one's office ended ("Ich bin
nicht mehr im Amt") is no request by itself: alone it is for the organizer to decide.
tests/testdata/own_words.py holds the table these rules are held to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE

# Whom the request is for: the member, their address, their town hall's address.
_ME = (
    r"(mich|uns|meine\s+(e-?mail-?)?adresse|unsere\s+(e-?mail-?)?adresse|meine\s+e-?mail|"
    r"meine\s+daten|meinen\s+namen)"
)
_LIST = (
    r"(verteiler|e-?mail-?verteiler|mail-?verteiler|verteilerliste|adressliste|liste|"
    r"mailing-?liste|newsletter|einladungsliste|empfängerliste|kontaktliste)"
)
_OURS = r"(einladungen|e-?mails|mails|nachrichten|newsletter|zusendungen|infos|informationen|post|rundmails)"
_REMOVE = r"(nehmen|streichen|löschen|entfernen|austragen|herausnehmen|rausnehmen)"
_LEAVE_VERBS = (
    r"(abmelden|austragen|abbestellen|löschen|streichen|entfernen|rausnehmen|herausnehmen)"
)

# Requests that a negation in their clause undoes.
_ASKING = [
    # "nehmen Sie mich (bitte) aus dem Verteiler / raus", "nimm mich raus"
    rf"\b(nehmen\s+sie|nimm|nehmt|nehme)\s+{_ME}\b.{{0,60}}?\b(aus|von|raus|heraus|runter)\b"
    rf"(\s+(\w+\s+){{0,2}}{_LIST}\b)?",
    # "streichen/löschen/entfernen Sie mich (meine Adresse)"
    rf"\b(streichen\s+sie|streich|streicht|löschen\s+sie|lösch|lösche|löscht|entfernen\s+sie|"
    rf"entfern|entferne|entfernt)\s+{_ME}\b(\s+(bitte\s+)?(aus|von)\s+(\w+\s+){{0,2}}{_LIST}\b)?",
    # "tragen Sie mich aus", "melden Sie mich ab"
    rf"\b(tragen\s+sie|trag|tragt)\s+{_ME}\b.{{0,60}}?\baus\b",
    rf"\b(melden\s+sie|meld|melde|meldet)\s+{_ME}\b.{{0,60}}?\bab\b",
    # "kannst du / können Sie / könnt ihr mich (bitte) austragen / aus dem Verteiler nehmen"
    rf"\b(kannst\s+du|können\s+sie|könnt\s+ihr|könnten\s+sie|würden\s+sie|würdest\s+du)\s+"
    rf"{_ME}\b.{{0,60}}?\b({_LEAVE_VERBS}|{_REMOVE})\b",
    # "mich (bitte) aus dem Verteiler (zu) nehmen", "mich auszutragen", "mich abzumelden"
    rf"\b{_ME}\s+(bitte\s+)?(aus|von)\s+(\w+\s+){{0,2}}{_LIST}\s+(zu\s+)?{_REMOVE}\b",
    rf"\b{_ME}\s+(bitte\s+)?(auszutragen|abzumelden|herauszunehmen|rauszunehmen|zu\s+streichen|"
    rf"zu\s+löschen|zu\s+entfernen)\b",
    # "ich möchte mich (vom Digital-Impuls) abmelden", "ich möchte den Newsletter abbestellen"
    rf"\b(ich|wir)\s+(möchte|möchten|will|wollen|würde\s+gerne?|würden\s+gerne?|wünsche|"
    rf"wünschen)\s+(mich|uns|den\s+newsletter|die\s+einladungen|{_ME})?\b[^,]{{0,50}}?\b"
    rf"(abmelden|austragen|abbestellen|austreten)\b",
    # "hiermit melde ich mich (vom Newsletter) ab", "ich trage mich aus"
    r"\b(hiermit\s+)?(melde|trage)\s+ich\s+(mich|uns)\b.{0,50}?\b(ab|aus)\b",
    # "(Ich) bitte um Austragung/Abmeldung/Löschung", "ich bitte Sie, mich ..." (above)
    r"(^|\b(ich|wir)\s+)(bitte|bitten)\s+(sie\s+|euch\s+|dich\s+)?(hiermit\s+)?um\s+(die\s+)?"
    r"(austragung|abmeldung|löschung|streichung|entfernung)\b",
    # "bitte stellen Sie den Versand (an mich) ein"
    r"\b(stellen\s+sie|stellt|stell)\s+(den\s+versand|die\s+zusendung|die\s+einladungen|"
    r"die\s+mails)\b.{0,40}?\bein\b",
    # "Hiermit widerrufe ich meine Einwilligung"
    r"\bwiderrufe\s+ich\s+meine\s+einwilligung\b|\bich\s+widerrufe\s+meine\s+einwilligung\b",
    # English
    r"\b(remove|delete|drop|strike)\s+(me|us|my\s+(e-?mail\s+)?address|our\s+(e-?mail\s+)?address)\b",
    r"\btake\s+(me|us|my\s+(e-?mail\s+)?address)\s+(off|out)\b",
    r"\bunsubscribe\s+(me|us)\b|\b(i|we)('d|\s+would|\s+want\s+to|\s+wish\s+to)\s+(like\s+to\s+)?"
    r"(unsubscribe|opt\s+out|be\s+removed|leave\s+(the|this|your)\s+list)\b",
    r"\bopt\s+(me|us)\s+out\b",
    r"\b(stop|quit)\s+(sending|emailing|mailing)\s+(me|us)\b",
]

# Requests that are negative in form: a negation belongs to them.
_NO_MORE = [
    # "(ich möchte) keine (weiteren) Einladungen mehr (erhalten)", "keine weiteren E-Mails bitte",
    # "schicken Sie mir keine Mails mehr"
    rf"\b(keine|keinerlei)\s+(weiteren\s+)?{_OURS}\b(\s+\w+){{0,3}}?\s+mehr\b"
    r"(\s+(zu\s+)?(erhalten|bekommen|zugeschickt|zusenden|zuschicken|schicken|senden|haben|bitte)"
    r"|\s*$)",
    rf"\b(keine|keinerlei)\s+weiteren\s+{_OURS}\b(\s+(zu\s+)?(erhalten|bekommen|bitte)\b|\s*$)",
    rf"^(bitte\s+)?(keine|keinerlei)\s+(weiteren\s+)?{_OURS}(\s+mehr)?(\s+bitte)?\s*$",
    rf"\b(schicken\s+sie|senden\s+sie|schickt|sendet|schick|sende)\s+(mir|uns)\s+(bitte\s+)?"
    rf"(keine|keinerlei)\s+(weiteren\s+)?{_OURS}\b",
    # "ich brauche (diese) Einladungen nicht mehr", "die Einladungen benötige ich nicht mehr"
    rf"\b(brauche|brauch|benötige)\s+(ich\s+)?(die|diese|eure|ihre|deine|dieses?)?\s*{_OURS}\b"
    r".{0,40}?\bnicht\s+mehr\b",
    rf"\b(die|diese|eure|ihre)\s+{_OURS}\s+(brauche|brauch|benötige)\s+ich\s+nicht\s+mehr\b",
    # English
    r"\b(i|we)\s+(no\s+longer|do\s+not|don'?t)\s+(wish|want|need)\s+to\s+(receive|get)\b",
    r"\b(i|we)\s+(no\s+longer|do\s+not|don'?t)\s+need\s+(these|your|the|any)\s+"
    r"(invitations|e-?mails|mails|newsletters?|messages)\b",
    r"\b(do\s+not|don'?t)\s+send\s+(me|us)\s+(any\s*more|anymore|further|more|any)\b",
]

# A clause that asks without naming whom, standing alone: "Bitte aus dem Verteiler löschen".
_FILLER = (
    r"^\W*((hallo|hi|hey|guten\s+tag|moin|danke|vielen\s+dank|also|und|aber|deshalb|daher|dann|"
    r"ok|okay|ja|hiermit|sehr\s+geehrte\s+damen\s+und\s+herren|liebes?\s+[\w-]+(-team)?|"
    r"thanks|thank\s+you|hello|dear\s+\w+|so)\W+)*"
)
_ALONE = [
    rf"{_FILLER}(bitte\s+)?((aus|von)\s+(dem|der|ihrem|eurem|diesem|deinem|ihrer|eurer|dieser)\s+"
    rf"(\w+\s+)?{_LIST}|vom\s+(\w+\s+)?{_LIST})\s+(bitte\s+)?{_REMOVE}(\s+bitte)?(,?\s*danke)?\W*$",
    rf"{_FILLER}(bitte\s+)?{_LEAVE_VERBS}(\s+bitte)?(,?\s*danke(\s+schön)?)?\W*$",
    rf"{_FILLER}(bitte\s+um\s+)?(abmeldung|austragung|löschung)(\s+bitte)?(,?\s*danke)?\W*$",
    rf"{_FILLER}({_OURS}|den\s+newsletter|newsletter)\s+(bitte\s+)?(abbestellen|abmelden|kündigen|"
    r"einstellen)(,?\s*danke)?\W*$",
    rf"{_FILLER}(please\s+)?(unsubscribe|remove|opt[- ]?out|stop)(\s+please)?\W*$",
    rf"{_FILLER}(please\s+)?(remove|take)\s+(me\s+)?(off|from)\s+(the|this|your)\s+"
    r"(mailing\s+|distribution\s+|e-?mail\s+)?(list|newsletter)\W*$",
]

# The member says that their office ended: no request by itself.
_OFFICE_ENDED = re.compile(
    r"\b(ich|i|meine|my)\b.{0,40}?(\bnicht\s+mehr\s+(im\s+amt|bürgermeister(in)?|"
    r"ortsbürgermeister(in)?|oberbürgermeister(in)?|im\s+dienst|in\s+der\s+verwaltung|im\s+rathaus|"
    r"bei\s+der\s+(gemeinde|stadt))\b|\baus\s+dem\s+amt\s+(ausgeschieden|geschieden)\b|"
    r"\bin\s+den\s+ruhestand\b|\bim\s+ruhestand\b|\bamtszeit\s+(ist\s+)?(beendet|vorbei|zu\s+ende|"
    r"abgelaufen)\b|\bno\s+longer\s+(in\s+office|mayor|with\s+the\s+(town|city|municipality))\b|"
    r"\bretired\b|\bterm\s+(has\s+)?ended\b)",
    _I,
)

_NEGATION = re.compile(
    r"\b(nicht|nie|niemals|kein|keine|keinen|keiner|keinesfalls|not|never|don'?t|doesn'?t|"
    r"no\s+need|no\s+reason)\b",
    _I,
)
# Where a clause ends: sentence marks, a line, a dash, a comma, a coordinating "und",
# "aber" (a "dass" clause, or a "mich ... zu" infinitive, goes with the one it completes:
# "Ich möchte nicht, dass Sie mich austragen", "Kein Grund, mich abzumelden").
_CLAUSE_END = re.compile(
    r"[.!?;:\n]+|\s[–—-]\s|,(?!\s*(?:dass|daß|that|mich|uns)\b)|"
    r"\s(?:und|and|aber|but|sondern)\s",
    _I,
)
# A negation undoes a request in its clause before it, or right after it: "löschen Sie
# mich nicht", "please don't remove me".
_AFTER = re.compile(r"\W*(\w+(\W+|$)){0,2}")

_ASKING_RE = [re.compile(p, _I) for p in _ASKING]
_NO_MORE_RE = [re.compile(p, _I) for p in _NO_MORE]
_ALONE_RE = [re.compile(p, _I) for p in _ALONE]


@dataclass(frozen=True)
class Request:
    words: str  # the words that ask (or say that the office ended)
    explicit: bool  # False: only that the office ended, which asks for nothing by itself


def request_to_leave(text: str) -> Request | None:
    """The clause in which the writer asks to leave, or says their office ended; None."""
    ended = None
    for clause in clauses(text):
        found = _asks(clause)
        if found:
            return Request(found, True)
        if ended is None and (office := _OFFICE_ENDED.search(clause)):
            ended = office.group(0)
    return Request(ended, False) if ended else None


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_END.split(text) if c and c.strip()]


def _asks(clause: str) -> str | None:
    for pattern in _NO_MORE_RE:
        if match := pattern.search(clause):
            return match.group(0).strip()
    for pattern in _ALONE_RE:
        if match := pattern.search(clause):
            return match.group(0).strip(" ,.!")
    for pattern in _ASKING_RE:
        match = pattern.search(clause)
        if match is None:
            continue
        after = _AFTER.match(clause, match.end())
        if not _NEGATION.search(clause[: after.end() if after else match.end()]):
            return match.group(0).strip()
    return None
