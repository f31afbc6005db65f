"""Keep one instance running and tell people how it is doing: lease, self-alarm, status,
logs, doctor."""
