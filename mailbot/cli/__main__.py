"""`python -m mailbot.cli`, as the tests and the fault-injection suite run it."""

from mailbot.cli.main import main

main()
