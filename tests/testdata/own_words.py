"""Requests to leave in members' own words, and topic ideas that use the same words for
something else. Written for these tests from the ways people ask (German and English,
formal "Sie", informal "du"/"ihr", short and with a closing); the README reports how many
of each are read right. Each row is (id, text).

- LEAVE: each asks to leave: an unsubscribe.
- NOT_LEAVING: a negated request ("bitte nicht abmelden"): never an unsubscribe.
- IDEAS: each mentions a list, a newsletter, an Abmeldung, "keine ... mehr" or an office,
  as a subject of municipal work: a topic idea.
- OFFICE_ENDED: says that the office ended and asks nothing: for the organizer (unsure).
"""

LEAVE = [
    # The three of issue 22, read as ideas before.
    ("aus-dem-verteiler-loeschen", "Bitte aus dem Verteiler löschen"),
    ("nicht-mehr-im-amt-raus", "Ich bin seit Mai nicht mehr im Amt, bitte nehmen Sie mich raus."),
    ("brauche-einladungen-nicht-mehr", "Danke, aber ich brauche diese Einladungen nicht mehr."),
    # German, formal
    ("nehmen-sie-mich-aus-dem-verteiler", "Bitte nehmen Sie mich aus dem Verteiler."),
    ("loeschen-sie-meine-adresse", "Bitte löschen Sie meine Adresse."),
    ("loeschen-sie-meine-e-mail-adresse",
     "Bitte löschen Sie meine E-Mail-Adresse aus Ihrem Verteiler."),
    ("tragen-sie-mich-aus", "Bitte tragen Sie mich aus."),
    ("tragen-sie-mich-aus-dem-verteiler-aus", "Bitte tragen Sie mich aus Ihrem Verteiler aus."),
    ("streichen-sie-mich-von-der-liste", "Bitte streichen Sie mich von der Liste."),
    ("entfernen-sie-mich", "Bitte entfernen Sie mich aus dem Verteiler."),
    ("entfernen-sie-meine-adresse", "Bitte entfernen Sie meine Adresse aus Ihrer Liste."),
    ("keine-einladungen-mehr-erhalten", "Ich möchte keine Einladungen mehr erhalten."),
    ("moechte-mich-abmelden", "Ich möchte mich vom Digital-Impuls abmelden."),
    ("hiermit-melde-ich-mich-ab", "Hiermit melde ich mich vom Newsletter ab."),
    ("melden-sie-mich-ab", "Bitte melden Sie mich ab."),
    ("melden-sie-mich-vom-verteiler-ab", "Bitte melden Sie mich vom Verteiler ab."),
    ("widerrufe-einwilligung",
     "Hiermit widerrufe ich meine Einwilligung und bitte um Austragung aus dem Verteiler."),
    ("sehr-geehrte-mailingliste",
     "Sehr geehrte Damen und Herren,\n\nbitte nehmen Sie mich von Ihrer Mailingliste.\n\n"
     "Mit freundlichen Grüßen\nAnna Schmidt"),
    ("bitte-um-loeschung-meiner-daten", "Ich bitte um Löschung meiner Daten."),
    ("bitte-keine-weiteren-e-mails", "Bitte keine weiteren E-Mails."),
    ("keine-weiteren-e-mails-bitte", "Keine weiteren E-Mails bitte."),
    ("senden-sie-mir-keine-einladungen", "Bitte senden Sie mir keine Einladungen mehr."),
    ("schicken-sie-mir-keine-mails", "Bitte schicken Sie mir keine Mails mehr."),
    ("nicht-mehr-buergermeister-keine-mails",
     "Ich bin nicht mehr Bürgermeister und möchte keine Mails mehr bekommen."),
    ("ausgeschieden-streichen",
     "Ich bin aus dem Amt ausgeschieden. Bitte streichen Sie mich aus dem Verteiler."),
    ("da-nicht-mehr-im-amt-zu-nehmen",
     "Da ich nicht mehr im Amt bin, bitte ich Sie, mich aus dem Verteiler zu nehmen."),
    ("bitte-sie-mich-zu-entfernen", "Ich bitte Sie, mich aus dem Verteiler zu entfernen."),
    ("wir-bitten-um-austragung", "Wir bitten um Austragung unserer Adresse."),
    ("nehmen-sie-unsere-adresse", "Bitte nehmen Sie unsere Adresse aus dem Verteiler."),
    ("kein-interesse-austragen", "Ich habe kein Interesse mehr, bitte austragen."),
    ("kein-interesse-abmelden", "Kein Interesse mehr. Bitte abmelden."),
    ("newsletter-abbestellen", "Newsletter bitte abbestellen."),
    ("moechte-newsletter-abbestellen", "Ich möchte den Newsletter abbestellen."),
    ("von-der-liste-streichen", "Bitte von der Liste streichen."),
    ("abmeldung-bitte", "Abmeldung bitte."),
    ("bitte-um-abmeldung", "Bitte um Abmeldung."),
    ("einladungen-benoetige-ich-nicht-mehr", "Die Einladungen benötige ich nicht mehr."),
    ("benoetige-einladungen-nicht-mehr",
     "Ich benötige die Einladungen zum Digital-Impuls nicht mehr, danke."),
    ("nicht-mehr-teilnehmen-liste",
     "Ich werde künftig nicht mehr teilnehmen, bitte nehmen Sie mich aus der Liste."),
    ("stellen-sie-den-versand-ein", "Bitte stellen Sie den Versand an mich ein."),
    ("keine-weiteren-zusendungen", "Ich wünsche keine weiteren Zusendungen."),
    ("loeschen-sie-mich-aus-dem-verteiler", "Bitte löschen Sie mich aus Ihrem Verteiler."),
    ("mit-gruss-und-signatur",
     "Guten Tag,\nbitte tragen Sie mich aus dem Verteiler aus.\n\nMit freundlichen Grüßen\n"
     "Dr. Anna Schmidt\nBürgermeisterin\nGemeinde Beispielstadt\nRathausplatz 1\n"
     "12345 Beispielstadt\nTel. 01234 5678-0\n\nDiese E-Mail kann vertrauliche und/oder "
     "rechtlich geschützte Informationen enthalten. Wenn Sie nicht der richtige Adressat "
     "sind oder diese E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den "
     "Absender und vernichten Sie diese Mail."),
    # German, informal
    ("nehmt-mich-aus-eurem-verteiler", "Hallo, bitte nehmt mich aus eurem Verteiler. Danke!"),
    ("nimm-mich-raus", "Nimm mich bitte raus."),
    ("kannst-du-mich-aus-dem-verteiler-nehmen",
     "Kannst du mich bitte aus dem Verteiler nehmen?"),
    ("koennt-ihr-mich-austragen", "Könnt ihr mich bitte austragen?"),
    ("trag-mich-aus", "Bitte trag mich aus, danke!"),
    ("brauch-die-mails-nicht-mehr", "Hey, ich brauch die Mails nicht mehr, nehmt mich raus."),
    ("schickt-mir-keine-mails", "Schickt mir bitte keine Mails mehr."),
    ("loesch-mich", "Bitte lösch mich aus der Liste."),
    ("streicht-mich", "Streicht mich bitte von eurer Liste."),
    ("ich-bin-raus-austragen", "Ich bin raus, bitte austragen."),
    ("meldet-mich-ab", "Bitte meldet mich ab."),
    ("lg-austragen", "Bitte austragen\n\nLG Ben"),
    # English
    ("remove-me-from-this-list", "Please remove me from this list."),
    ("unsubscribe-me-please", "Unsubscribe me, please."),
    ("take-me-off-your-mailing-list", "Please take me off your mailing list."),
    ("stop-sending-me", "Please stop sending me these emails."),
    ("no-longer-wish-to-receive", "I no longer wish to receive these invitations."),
    ("remove-my-address", "Kindly remove my address from your distribution list."),
    ("please-unsubscribe-me", "Please unsubscribe me."),
    ("take-me-off-the-list", "Take me off the list, thanks."),
    ("id-like-to-unsubscribe", "I'd like to unsubscribe."),
    ("no-longer-in-office-remove-me", "I am no longer in office, please remove me."),
    ("delete-my-email-address", "Please delete my email address from your list."),
    ("dont-need-these-invitations", "I don't need these invitations anymore, thank you."),
    ("opt-me-out", "Opt me out, please."),
    ("do-not-send-me-any-more", "Please do not send me any more emails."),
]  # fmt: skip

NOT_LEAVING = [
    ("bitte-nicht-abmelden-urlaub", "Bitte nicht abmelden, ich bin nur im Urlaub."),
    ("moechte-mich-nicht-abmelden",
     "Ich möchte mich nicht abmelden, nur meine Adresse ändern: neu@gemeinde.example."),
    ("nehmen-sie-mich-nicht-aus-dem-verteiler",
     "Nehmen Sie mich bitte nicht aus dem Verteiler, ich bin nur bis Mai in Elternzeit."),
    ("tragen-sie-mich-nicht-aus",
     "Bitte tragen Sie mich nicht aus, auch wenn ich selten dabei bin."),
    ("nicht-austragen-wieder-im-amt", "Bitte nicht austragen – ich bin ab Juni wieder im Amt."),
    ("melde-mich-nicht-ab", "Keine Sorge, ich melde mich nicht ab!"),
    ("kein-grund-mich-abzumelden", "Kein Grund, mich abzumelden: ich lese alles gern."),
    ("nicht-loeschen", "Bitte löschen Sie mich nicht, ich bin weiterhin interessiert."),
    ("dont-unsubscribe-me", "Please don't unsubscribe me, I'm just on holiday."),
    ("do-not-remove-me", "Please do not remove me from the list."),
    ("never-take-me-off", "Never take me off this list, it is the best one I get!"),
]  # fmt: skip

IDEAS = [
    ("abmeldung-von-gewerben",
     "Ein Thema wäre die Abmeldung von Gewerben: wie digitalisieren kleine Rathäuser das?"),
    ("verteilerlisten-datenschutz", "Wie gehen andere Kommunen mit Verteilerlisten und Datenschutz um?"),
    ("abmeldung-einwohnermeldeamt", "Vorschlag: die elektronische Abmeldung beim Einwohnermeldeamt."),
    ("newsletter-fuer-buerger",
     "Könnten wir über Newsletter für Bürgerinnen und Bürger sprechen? Wie meldet man Leute "
     "datenschutzkonform ab?"),
    ("mailinglisten-gemeinderat",
     "Ich würde gern über Mailinglisten im Gemeinderat reden, wir nutzen noch Papier."),
    ("vereine-in-verteiler",
     "Thema: Wie nehmen wir Vereine in unseren Verteiler auf, ohne die DSGVO zu verletzen?"),
    ("freiwillige-leistungen-streichen",
     "Wie streichen wir freiwillige Leistungen, ohne die Vereine zu verlieren?"),
    ("wahlhelfer-austragen",
     "Wer hat Erfahrung mit dem Austragen von Wahlhelfern aus alten Listen?"),
    ("keine-papierformulare-mehr",
     "Spannend fände ich: keine Papierformulare mehr im Bürgerbüro. Wer hat das geschafft?"),
    ("abmeldung-kita-platz", "Mich interessiert, wie ihr die Abmeldung vom Kita-Platz digital abbildet."),
    ("listen-fuer-ehrenamtliche",
     "Können wir über Listen für Ehrenamtliche sprechen? Wir verlieren ständig Adressen."),
    ("staedtetag-e-mail-verteiler",
     "Ein Gast-Vorschlag: jemand vom Städtetag zu E-Mail-Verteilern in der Verwaltung."),
    ("nicht-mehr-nur-technik",
     "Ich möchte gern über Bürgerbeteiligung sprechen, nicht mehr nur über Technik."),
    ("mails-die-nie-ankommen", "Thema: Mails, die nie ankommen. Wie sichern wir unsere Zustellung ab?"),
    ("digitalpakt-abmelden",
     "Wie meldet man sich eigentlich beim Digitalpakt ab, wenn das Geld nicht reicht?"),
    ("mailing-lists-for-citizens",
     "Could we discuss mailing lists for citizens and how to unsubscribe people lawfully?"),
    ("removing-old-data", "A topic idea: removing old data from municipal registers."),
    ("stop-sending-paper-letters",
     "I'd like to hear how towns stop sending paper letters and move to email."),
    ("newsletter-tools", "Please consider a session on newsletter tools for small municipalities."),
    ("council-off-paper",
     "Suggestion: how to take council members off paper distribution and onto tablets."),
    ("hundesteuer-abmeldung",
     "Wie gehen andere Gemeinden mit der Abmeldung von Hunden für die Hundesteuer digital um?"),
    ("i-kfz-abmeldung", "Thema: Abmeldung von Fahrzeugen online (i-Kfz) – Erfahrungen?"),
    ("verteiler-ortsvorsteher",
     "Vorschlag: ein Verteiler für alle Ortsvorsteher. Wie pflegt ihr so etwas?"),
    ("melderegister-loeschen", "Wie löschen wir alte Daten aus dem Melderegister rechtssicher?"),
    ("newsletter-ohne-abmeldung",
     "Idee: Wie bekommen wir Bürger in unseren Newsletter, ohne dass sie sich gleich wieder "
     "abmelden?"),
    ("dsgvo-aus-verteiler-loeschen",
     "Thema Datenschutz: Was tun, wenn jemand bittet, aus dem Verteiler gelöscht zu werden?"),
    ("wohnsitz-abmeldung",
     "Spannend wäre: Abmeldung vom Wohnsitz bei Wegzug ins Ausland – wie digital geht das?"),
    ("feuerwehr-newsletter",
     "Wie kann man Newsletter für die Feuerwehr abbestellen lassen, wenn Mitglieder austreten?"),
    ("abmeldung-schueler", "Ich würde gern über die Abmeldung von Schülern an Grundschulen sprechen."),
    ("mails-archivieren",
     "Wie gehen wir mit Mails um, die wir nicht mehr brauchen? Archivierung wäre ein Thema."),
    ("buerger-newsletter-einstellen",
     "Wer hat Erfahrung mit einem Bürger-Newsletter? Wir überlegen, unseren einzustellen."),
    ("ehemalige-gemeinderaete",
     "Thema: Wie nehmen wir ehemalige Gemeinderäte aus Verteilern, ohne jemanden zu verärgern?"),
    ("nicht-mehr-im-bauausschuss",
     "Ich bin nicht mehr im Bauausschuss, dafür jetzt im Hauptausschuss – ein Thema wäre die "
     "Digitalisierung der Ausschussarbeit."),
    ("it-vertraege-kuendigen", "Wie kündigen wir alte Verträge mit IT-Dienstleistern? Das wäre ein gutes Thema."),
    ("keine-papierakten-mehr", "Vorschlag: Keine Papierakten mehr im Bauamt – wer hat das geschafft?"),
    ("keine-faxe-mehr", "Wir wollen keine Faxe mehr bekommen. Wie stellen andere Rathäuser das um?"),
    ("keine-e-mails-mehr-lesen", "Thema: Wie erreichen wir Bürger, die keine E-Mails mehr lesen?"),
    ("unsubscribe-citizens",
     "Please consider a session on how to unsubscribe citizens from old mailing lists."),
    ("removed-from-newsletter",
     "How do other towns handle requests to be removed from their newsletter?"),
    ("rechenzentrum-abmelden",
     "Wie meldet man eine Gemeinde vom alten Rechenzentrum ab und wechselt zum neuen?"),
    ("fachverfahren-austragen",
     "Idee für die nächste Runde: Austragen von Daten aus alten Fachverfahren."),
    ("datenschutzbeauftragter-adressen",
     "Vielleicht ein Gast vom Datenschutzbeauftragten: Wann müssen wir Adressen aus Verteilern "
     "löschen?"),
    ("mich-interessiert-verteiler",
     "Mich würde interessieren, wie ihr Leute aus dem Verteiler nehmt, die sich nie melden."),
    ("landesplattform-abmelden",
     "Wie kann ich mich eigentlich von der Landesplattform abmelden? Wäre ein Thema für alle."),
    ("ruhestand-nachfolge",
     "Thema: Wie organisieren wir die Nachfolge, wenn langjährige Kräfte in den Ruhestand "
     "gehen? Wissen geht sonst verloren."),
]  # fmt: skip

OFFICE_ENDED = [
    ("seit-mai-nicht-mehr-im-amt", "Ich bin seit Mai nicht mehr im Amt."),
    ("nicht-mehr-buergermeisterin-nachfolgerin",
     "Ich bin nicht mehr Bürgermeisterin. Meine Nachfolgerin ist Frau Weber."),
    ("amtszeit-beendet", "Meine Amtszeit ist beendet, danke für die schönen Runden!"),
    ("no-longer-mayor", "I am no longer mayor of our town."),
]  # fmt: skip


# A longer mail that also seems to ask to leave: for the organizer to decide.
LONG_WITH_A_REQUEST = (
    "Liebe Organisatorinnen, danke für die tollen Runden im letzten Jahr! Wir hatten "
    "im Gemeinderat lange Diskussionen über die Wärmeplanung und ich habe viel aus "
    "euren Sitzungen mitgenommen. Für das nächste Jahr hätte ich noch ein paar Ideen, "
    "zum Beispiel zur Zusammenarbeit mit Stadtwerken und zu Fördermitteln des Landes. "
    "Leider ändert sich meine Rolle ab März. Vielleicht nehmt mich dann aus eurem "
    "Verteiler, aber das klären wir noch. Viele Grüße und bis bald im Digital-Impuls!"
)
