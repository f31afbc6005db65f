from mailbot.core.backoff import Backoff


def test_doubles_from_the_base_and_stops_at_the_cap():
    b = Backoff(base=5, cap=60)
    assert [b.delay(n) for n in range(7)] == [0, 5, 10, 20, 40, 60, 60]


def test_a_very_long_outage_does_not_overflow():
    assert Backoff(base=1, cap=300).delay(10_000) == 300
