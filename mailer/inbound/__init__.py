"""The way back: what arrives in the mailbox that members reply to.

kinds.py      the kinds of inbound mail, their default folders, the Verdict
classify.py   bytes -> Verdict, and whether a mail may act for its sender
bounces.py    RFC 3464 reports, SES notifications, the big mail systems' own formats
autoreply.py  which signs of an automatic reply decide alone, which only together
ownwords.py   a request to leave in a member's own words
itip.py       calendar messages: REPLY, COUNTER, REFRESH and the organizer's methods
mailparts.py  headers, the sender, parts, fields and addresses of received mail
mailtext.py   the text of a mail: charsets, HTML, quotes and signatures cut
record.py     what is kept of a message; table.py the inbound table's one owner
poller.py     IMAP and Maildir sources; record, apply, file
"""
