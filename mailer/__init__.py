"""mailer: the mail of a recurring online meeting."""

__version__ = "0.1.0"
