"""The benchmarks still run against the bot as it is (their figures are theirs to print;
nothing here is timed)."""

from __future__ import annotations

import argparse

from benchmarks import cost, statements, tick, web


def test_the_cost_benchmark_opens_and_sets_up_every_referral_it_submits(capsys) -> None:
    assert cost.main(["--referrals", "2"]) == 0

    printed = capsys.readouterr().out
    assert "one referral, 2 in turn, SQLite" in printed
    assert "opening its case and setting it up (2 opened, 2 set up)" in printed


def test_the_statements_benchmark_prints_each_layer_of_a_statement(capsys) -> None:
    assert statements.main(["--runs", "3", "--rounds", "1"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("one statement, SQLite")
    rows = {line[:60].strip(): line[60:].split() for line in lines[2:]}
    assert list(rows) == [label for label, _ in statements.LAYERS]
    for label, (one, _more) in rows.items():
        assert float(one) > 0, label


def test_the_tick_benchmark_also_times_a_claim_behind_a_backlog(capsys) -> None:
    small = ["--cases", "20", "--tasks-per-case", "6", "--reminders-per-task", "1"]
    assert tick.main([*small, "--due", "5", "--backlog", "10", "60", "--backend", "sqlite"]) == 0

    printed = capsys.readouterr().out
    assert "tick with     5 due" in printed
    assert "claim of a job,     10 waiting" in printed
    assert "claim of a job,     60 waiting" in printed


def test_repeated_runs_are_also_compared_turn_by_turn(capsys) -> None:
    """Each turn's bot figure over the bare app's of the same turn: a machine slowing down
    between turns moves both, and the spread of the ratios shows how far one run is from
    the next."""
    args = argparse.Namespace(parts=["referrals", "burst"], first=16, in_flight=[8], burst=200)
    bots = [
        web.Figures(first=(80.0, 200.0), submit={8: (60.0, 120.0)}, burst=6.0),
        web.Figures(first=(90.0, 300.0), submit={8: (90.0, 150.0)}, burst=9.0),
        web.Figures(first=(70.0, 100.0), submit={8: (45.0, 90.0)}, burst=5.0),
    ]
    bares = [
        web.Figures(first=(40.0, 100.0), submit={8: (40.0, 80.0)}, burst=2.0),
        web.Figures(first=(30.0, 100.0), submit={8: (60.0, 100.0)}, burst=3.0),
        web.Figures(first=(35.0, 100.0), submit={8: (45.0, 45.0)}, burst=2.5),
    ]

    web.turn_by_turn(bots, bares, args)

    lines = {line.split("  ")[2].strip(): line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["first 16 after start, 8 in flight, p50"].endswith("2.0x  [2.0x, 3.0x]")
    assert lines["first 16 after start, 8 in flight, p99"].endswith("2.0x  [1.0x, 3.0x]")
    assert lines["referral submission, 8 in flight, p50"].endswith("1.5x  [1.0x, 1.5x]")
    assert lines["referral submission, 8 in flight, p99"].endswith("1.5x  [1.5x, 2.0x]")
    assert lines["200 referrals, first submission to last pin"].endswith("3.0x  [2.0x, 3.0x]")
    web.turn_by_turn(bots[:1], bares[:1], args)
    assert capsys.readouterr().out == "", "one run: nothing to pair"
