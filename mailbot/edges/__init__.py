"""I/O behind small classes: IMAP, SMTP, the SMS gateways, OAuth2 tokens. They move bytes
and decide nothing; library failures become mailbot.errors here, once."""
