"""The kinds of mail a session sends. Pure and import-free: `mailer --help` loads it."""

ANNOUNCEMENT = "announcement"
REMINDER = "reminder"
UPDATE = "update"
CANCELLATION = "cancellation"
KINDS = (ANNOUNCEMENT, REMINDER, UPDATE, CANCELLATION)
RECAP = "recap"  # the follow-up after a session: thanks, slides, recording (session.recap)
RECAP_TO = ("all", "attended")  # attended: everyone but those who declined
SESSION_MAIL_KINDS = (*KINDS, RECAP)  # what `mailer preview DATE KIND` renders
NEWSLETTER = "newsletter"  # a one-off mail from a Markdown file (`mailer newsletter`)
