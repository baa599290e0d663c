"""The way out: what is due becomes outbox rows, and the rows become mails on the wire.

outbox.py     the outbox table's one owner: statuses, keys, Message-IDs, every statement
queueing.py   what is due at a moment -> outbox rows (scheduled mails and notices)
replies.py    the thank-you for a topic idea and the organizer's digest
delivery.py   the due rows, one mail at a time, through a transport
ledger.py     each mail's mark and answer on record before the next one leaves
tick.py       one pass under the tick lock: recover, queue, deliver
smtp.py       transports: SMTP and the Maildir of the embedded default
"""
