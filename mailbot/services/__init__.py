"""What staff do, one function per action over a SQLAlchemy session, shared by the CLI
and the web console: validation (a Polish sentence, never a traceback), the change, the
audit record and any mail to the client, all in the caller's transaction.

  base.py         Desk (rules, zone, outbox, decider), ActionError, short ticket numbers, audit
  desk.py         building a Desk from the config (only what an action needs)
  tickets.py      ack, assign, close, reopen, note, not-a-ticket, merge
  mail.py         reply to the client; the closed and released notices
  ledger.py       time preview and logging (R-PAK-2/5), package purchase (R-PAK-1/3)
  clients.py      link a ticket to a client (R-CON-6), decided again
  corrections.py  override emergency/scope/product/priority; labels export
  phone.py        a ticket for a phone call or a visit (R-CHN-1..3)
  queries.py      the queue (R-PAK-6), a ticket's whole story, a client's page, the outbox
"""
