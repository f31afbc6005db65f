"""mailbot: ticket intake daemon for KJM's support mailbox (pomoc@kjmssoft.pl)."""

__version__ = "0.1.0"
