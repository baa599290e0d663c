"""The way back: what arrives in the mailbox that members reply to.

kinds.py      the kinds of inbound mail, their default folders, the Verdict
classify.py   bytes -> Verdict: complaint, bounce, auto-reply, unsubscribe, suggestion
bounces.py    RFC 3464 reports, SES notifications, the big mail systems' own formats
mailparts.py  headers, parts, fields and addresses of received mail
mailtext.py   the text of a mail: charsets, HTML, quotes and signatures cut
record.py     what is kept of a message, and the inbound table's one owner
poller.py     IMAP and Maildir sources; record, apply, file
"""
