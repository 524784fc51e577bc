"""The benchmarks still run against the bot as it is (their figures are theirs to print;
nothing here is timed)."""

from __future__ import annotations

from benchmarks import cost


def test_the_cost_benchmark_opens_and_sets_up_every_referral_it_submits(capsys) -> None:
    assert cost.main(["--referrals", "2"]) == 0

    printed = capsys.readouterr().out
    assert "one referral, 2 in turn, SQLite" in printed
    assert "opening its case and setting it up (2 opened, 2 set up)" in printed
