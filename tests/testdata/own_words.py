"""Twenty requests to leave, in members' own words, and twenty topic ideas that use the
same words for something else. Written for these tests (German and English, formal and
informal); the README reports how many of each are read right."""

LEAVE = [
    "Bitte nehmen Sie mich aus dem Verteiler.",
    "Hallo, bitte nehmt mich aus eurem Verteiler. Danke!",
    "Ich möchte keine Einladungen mehr erhalten.",
    "Bitte tragen Sie mich aus.",
    "Bitte austragen, danke.",
    "Ich möchte mich vom Digital-Impuls abmelden.",
    "Bitte streichen Sie mich von der Liste.",
    "Bitte von der Liste streichen.",
    "Newsletter bitte abbestellen.",
    "Ich bin nicht mehr Bürgermeister und möchte keine Mails mehr bekommen.",
    "Bitte löschen Sie meine Adresse aus Ihrem Verteiler.",
    "Keine weiteren E-Mails bitte.",
    "Hiermit widerrufe ich meine Einwilligung und bitte um Austragung aus dem Verteiler.",
    "Sehr geehrte Damen und Herren, bitte nehmen Sie mich von Ihrer Mailingliste. Mit freundlichen Grüßen",
    "Please remove me from this list.",
    "Unsubscribe me, please.",
    "Please take me off your mailing list.",
    "Please stop sending me these emails.",
    "I no longer wish to receive these invitations.",
    "Kindly remove my address from your distribution list.",
]

IDEAS = [
    "Ein Thema wäre die Abmeldung von Gewerben: wie digitalisieren kleine Rathäuser das?",
    "Wie gehen andere Kommunen mit Verteilerlisten und Datenschutz um?",
    "Vorschlag: die elektronische Abmeldung beim Einwohnermeldeamt.",
    "Könnten wir über Newsletter für Bürgerinnen und Bürger sprechen? Wie meldet man Leute datenschutzkonform ab?",
    "Ich würde gern über Mailinglisten im Gemeinderat reden, wir nutzen noch Papier.",
    "Thema: Wie nehmen wir Vereine in unseren Verteiler auf, ohne die DSGVO zu verletzen?",
    "Wie streichen wir freiwillige Leistungen, ohne die Vereine zu verlieren?",
    "Wer hat Erfahrung mit dem Austragen von Wahlhelfern aus alten Listen?",
    "Spannend fände ich: keine Papierformulare mehr im Bürgerbüro. Wer hat das geschafft?",
    "Mich interessiert, wie ihr die Abmeldung vom Kita-Platz digital abbildet.",
    "Können wir über Listen für Ehrenamtliche sprechen? Wir verlieren ständig Adressen.",
    "Ein Gast-Vorschlag: jemand vom Städtetag zu E-Mail-Verteilern in der Verwaltung.",
    "Ich möchte gern über Bürgerbeteiligung sprechen, nicht mehr nur über Technik.",
    "Thema: Mails, die nie ankommen. Wie sichern wir unsere Zustellung ab?",
    "Wie meldet man sich eigentlich beim Digitalpakt ab, wenn das Geld nicht reicht?",
    "Could we discuss mailing lists for citizens and how to unsubscribe people lawfully?",
    "A topic idea: removing old data from municipal registers.",
    "I'd like to hear how towns stop sending paper letters and move to email.",
    "Please consider a session on newsletter tools for small municipalities.",
    "Suggestion: how to take council members off paper distribution and onto tablets.",
]


# A longer mail that also seems to ask to leave: for the organizer to decide.
LONG_WITH_A_REQUEST = (
    "Liebe Organisatorinnen, danke für die tollen Runden im letzten Jahr! Wir hatten "
    "im Gemeinderat lange Diskussionen über die Wärmeplanung und ich habe viel aus "
    "euren Sitzungen mitgenommen. Für das nächste Jahr hätte ich noch ein paar Ideen, "
    "zum Beispiel zur Zusammenarbeit mit Stadtwerken und zu Fördermitteln des Landes. "
    "Leider ändert sich meine Rolle ab März. Vielleicht nehmt mich dann aus eurem "
    "Verteiler, aber das klären wir noch. Viele Grüße und bis bald im Digital-Impuls!"
)
