"""I/O behind small interfaces: IMAP (and later SMTP, SMS, clock)."""
