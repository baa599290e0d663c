"""The click commands, one module per area; mailer.cli puts them together."""
