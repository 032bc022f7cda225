"""The ways feedback arrives, each knowing only its transport (`docs/adding-a-source.md`).

Files and folders (`files.py`), PowerMTA accounting files and MTA logs (`logs.py`), an SQS
queue (`sqs.py`), SNS over HTTP (`api/sns.py`, with the envelope checks in `sns.py`), the SMTP
receiver (`smtp*.py`), IMAP, POP3 and local mailboxes (`mailbox*.py`, `imap.py`, `pop3.py`,
`local_mailbox.py`) and the quarantine itself (`quarantine.py`). Each hands raw inputs to the
one road in (`bouncewarden.intake.Intake.take`, or the mail and row recorders over the same
reader and store) and acknowledges an input only once it is stored.
"""
