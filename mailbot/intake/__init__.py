"""Mailbox -> ticket rows: poll, prepare (parse, classify), decide, record in one transaction."""
