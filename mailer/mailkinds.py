"""The kinds of mail a session sends. Pure and import-free: `mailer --help` loads it."""

ANNOUNCEMENT = "announcement"
REMINDER = "reminder"
UPDATE = "update"
CANCELLATION = "cancellation"
KINDS = (ANNOUNCEMENT, REMINDER, UPDATE, CANCELLATION)
