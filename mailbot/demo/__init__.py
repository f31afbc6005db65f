"""`mailbot demo`: the real pipeline against an embedded IMAP server and sample mail."""
