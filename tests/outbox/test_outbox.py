"""The outbox: jobs queued with the change they tell of, run once, resumed, retried; and a
referral answered at once whatever Slack's Web API is doing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError

from bot import gateway
from bot.flows import referral as referral_flow
from bot.flows.referral import CaseSetup, invite_members
from bot.gateway import SlackError, SlackGateway
from bot.handlers import referral as referral_handlers
from bot.ids import Job
from bot.jobs import outbox as jobs
from bot.runtime import Bell
from bot.services import outbox
from bot.services.referral.opening import (
    check_referral,
    open_case,
    open_received,
    record_channel,
)
from bot.services.referral.schema import validated_referral
from bot.views.cases import case_card_message
from storage.models import AuditEvent, CaseMember, OutboxJob
from storage.states import JobState
from tests import dbutil
from tests.flow_helpers import (
    agency_id,
    body_json,
    cases,
    open_referral_modal,
    refer,
    stored_referrals,
)
from tests.referral.data import referral_values


def _jobs(harness) -> list[OutboxJob]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def _setup_job(harness) -> OutboxJob:
    [job] = [job for job in _jobs(harness) if job.kind == Job.CASE_SETUP]
    return job


def _quiet(harness) -> None:
    """Jobs are queued but nothing drains them until the test says so."""
    harness.runtime.bell = Bell()


def _refer_queued(harness, user: str = "U0DPH") -> int:
    view = open_referral_modal(harness, user)
    _quiet(harness)
    response = harness.driver.submit_view(
        user, referral_values(agency_id(harness, "Health")), view_id=view
    )
    assert body_json(response)["response_action"] == "update"
    harness.wait()
    # the referral opened as a case, as its job does (and the job settled), and its set-up
    # left queued
    with harness.runtime.db.session() as session:
        opened = open_received(
            session, view, cipher=harness.runtime.cipher, cal=harness.runtime.working_calendar()
        )
        session.execute(
            update(OutboxJob)
            .where(OutboxJob.kind == Job.CASE_OPEN, OutboxJob.state == JobState.PENDING)
            .values(state=JobState.DONE, attempts=1, done_at=harness.clock.now())
        )
    assert opened is not None and opened.created
    return opened.case_id


@pytest.mark.postgres
def test_a_referral_is_stored_with_its_set_up_job_and_the_job_runs_once(harness) -> None:
    refer(harness)
    [case] = cases(harness)
    [opening, setup] = _jobs(harness)
    assert (opening.kind, opening.state, opening.attempts) == ("case_open", "done", 1)
    assert (setup.kind, setup.args, setup.state) == ("case_setup", {"case_id": case.id}, "done")
    assert setup.attempts == 1
    assert case.setup_status == "complete"
    assert len(harness.standin.calls_to("conversations.create")) == 1


@contextmanager
def _notices(harness) -> Iterator[Callable[[], int]]:
    """How many notices of a queued job (PostgreSQL's NOTIFY, which wakes the drainers of
    other processes) the bot has sent since."""
    sent: list[str] = []

    def executed(conn: object, cursor: object, statement: str, *_: object) -> None:
        if "pg_notify" in statement:
            sent.append(statement)

    engine = harness.runtime.db.engine
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield lambda: len(sent)
    finally:
        event.remove(engine, "before_cursor_execute", executed)


@pytest.mark.postgres
def test_a_job_is_queued_in_one_statement_its_notice_sent_by_its_own_insert(harness) -> None:
    """On PostgreSQL the insert that queues a job evaluates the notice for the row it adds
    (no statement of its own, and none for a job queued before under the same key); SQLite
    has no other process to wake."""
    db, now = harness.runtime.db, harness.clock.now()
    statements: list[str] = []

    def executed(conn: object, cursor: object, statement: str, *_: object) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", executed)
    try:
        with db.session() as session:
            assert outbox.enqueue(session, Job.CASE_CARD, now=now, dedupe_key="c:1", case_id=1)
    finally:
        event.remove(db.engine, "before_cursor_execute", executed)
    [insert] = [s for s in statements if s.startswith("INSERT")]
    assert insert.startswith("INSERT INTO outbox_jobs")
    assert ("pg_notify" in insert) == (not db.is_sqlite)
    assert not [s for s in statements if "pg_notify" in s and s is not insert]


@pytest.mark.postgres
def test_a_referral_is_set_up_by_the_drainer_that_opened_it_straight_after_without_a_claim(
    harness, monkeypatch
) -> None:
    """The opening queues the set-up taken by its own drainer, which runs it next: no claim
    of its own, no other drainer woken for it (no bell), and the drain reports both."""
    view = open_referral_modal(harness)
    _quiet(harness)
    harness.driver.submit_view("U0DPH", referral_values(agency_id(harness, "Health")), view_id=view)
    harness.wait()
    claims: list[str] = []
    claim_next = outbox.claim_next

    def counted(*args: object, **kwargs: object) -> outbox.ClaimedJob | None:
        job = claim_next(*args, **kwargs)  # type: ignore[arg-type]
        claims.append("nothing" if job is None else job.kind)
        return job

    monkeypatch.setattr(outbox, "claim_next", counted)
    with _notices(harness) as notified:
        report = jobs.drain(harness.runtime, limit=1)

        assert (report.completed(Job.CASE_OPEN), report.completed(Job.CASE_SETUP)) == (1, 1)
        assert claims == [Job.CASE_OPEN.value]
        assert notified() == 0
    [case] = cases(harness)
    assert case.setup_status == "complete"
    setup = _setup_job(harness)
    assert (setup.state, setup.attempts, setup.claimed_by) == ("done", 1, None)


@pytest.mark.postgres
def test_a_set_up_taken_by_an_opening_whose_drainer_died_is_claimed_after_its_lease(
    harness,
) -> None:
    """The drainer that opened the case dies before it sets it up: the set-up, queued
    under its lease, waits for the lease to run out, then another drainer runs it once."""
    view = open_referral_modal(harness)
    _quiet(harness)
    harness.driver.submit_view("U0DPH", referral_values(agency_id(harness, "Health")), view_id=view)
    harness.wait()
    runtime = harness.runtime
    opening = outbox.claim_next(runtime.db, "dead-drainer", harness.clock.now())
    assert opening is not None and opening.kind == Job.CASE_OPEN
    slack = SlackGateway(runtime.web_client(), runtime.db, runtime.clock)
    taken = jobs._case_open(runtime, slack, view, jobs.Ending(runtime, opening, "dead-drainer"))
    assert taken is not None and taken.kind == Job.CASE_SETUP

    assert jobs.drain(runtime).completed(Job.CASE_SETUP) == 0, "the lease still holds"
    assert harness.standin.calls_to("conversations.create") == []
    harness.clock.advance(outbox.LEASE + timedelta(seconds=1))
    assert jobs.drain(runtime).completed(Job.CASE_SETUP) == 1

    [case] = cases(harness)
    assert case.setup_status == "complete"
    assert len(harness.standin.calls_to("conversations.create")) == 1
    assert (_setup_job(harness).state, _setup_job(harness).attempts) == ("done", 2)


@pytest.mark.postgres
def test_a_failing_insert_leaves_neither_the_case_nor_its_job(harness) -> None:
    runtime, now = harness.runtime, harness.clock.now()
    answers = {
        block: action["value"]
        for block, action in referral_values(agency_id(harness, "Health")).items()
    }
    answers = {block: value for block, value in answers.items() if value not in (None, "")}
    with pytest.raises(IntegrityError), runtime.db.session() as session:
        submission = validated_referral(answers, today=runtime.working_calendar().london_date(now))
        checked = check_referral(
            session,
            submission,
            actor="U0DPH",
            view_id="V0REFERRAL",
            process_key=runtime.process_key,
        )
        opened = open_case(
            session,
            submission,
            checked,
            now=now,
            cipher=runtime.cipher,
            cal=runtime.working_calendar(),
        )
        assert opened.created
        session.add(
            OutboxJob(
                kind=Job.CASE_CARD.value,
                args={"case_id": opened.case_id},
                dedupe_key=f"case:{opened.case_id}:setup",
                state=JobState.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        session.flush()
    assert cases(harness) == []
    assert _jobs(harness) == []


def test_jobs_carry_ids_only(harness) -> None:
    with pytest.raises(outbox.NotAnIdError), harness.runtime.db.session() as session:
        outbox.enqueue(session, Job.CASE_CARD, now=harness.clock.now(), note="Child A at home")


@pytest.mark.postgres
def test_two_drainers_racing_claim_each_job_once(harness) -> None:
    db, now = harness.runtime.db, harness.clock.now()
    with db.session() as session:
        for n in range(40):
            outbox.enqueue(session, Job.CASE_CARD, now=now, case_id=n + 1)
    taken: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def drainer(name: str) -> None:
        barrier.wait()
        while (job := outbox.claim_next(db, name, now)) is not None:
            taken[name].append(job.id)

    threads = [threading.Thread(target=drainer, args=(n,)) for n in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken["a"] + taken["b"]) == [job.id for job in _jobs(harness)]
    assert not set(taken["a"]) & set(taken["b"])


@pytest.mark.postgres
def test_two_drains_racing_set_a_case_up_once(harness) -> None:
    _refer_queued(harness)
    barrier = threading.Barrier(2)
    reports = []

    def run() -> None:
        barrier.wait()
        reports.append(jobs.drain(harness.runtime))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.completed(Job.CASE_SETUP) for r in reports) == 1
    assert len([c for c in harness.standin.calls_to("conversations.create") if c.ok]) == 1
    assert len(harness.standin.calls_to("pins.add")) == 1
    [case] = cases(harness)
    assert case.setup_status == "complete"


@pytest.mark.postgres
def test_a_drainer_that_died_mid_job_is_resumed_after_its_lease_without_a_second_card(
    harness, monkeypatch
) -> None:
    case_id = _refer_queued(harness)
    runtime, now = harness.runtime, harness.clock.now()
    # A drainer claims the job, posts and pins the card and sends the DMs, and dies before
    # it enters them in the ledger (with the pin: its next transaction).
    assert outbox.claim_next(runtime.db, "dead-drainer", now) is not None
    slack = SlackGateway(runtime.web_client(), runtime.db, runtime.clock)
    setup = CaseSetup(runtime, slack)
    state = invite_members(runtime, slack, case_id, setup._ensure_channel(setup.load(case_id)))

    def dies(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the drainer died")

    monkeypatch.setattr(slack, "_settle", dies)
    with pytest.raises(RuntimeError):
        setup._post_card_and_tell(case_id, state)
    dms = len(harness.standin.calls_to("chat.postMessage")) - 1
    assert dms > 0

    assert jobs.drain(runtime).completed(Job.CASE_SETUP) == 0, "the lease still holds"
    harness.clock.advance(outbox.LEASE + timedelta(seconds=1))
    assert jobs.drain(runtime).completed(Job.CASE_SETUP) == 1

    assert state.channel_id is not None
    assert len(harness.standin.calls_to("conversations.create")) == 1
    cards = [
        m
        for m in harness.standin.messages_in(state.channel_id)
        if m.user == harness.standin.bot_user_id
    ]
    assert len(cards) == 1
    # pinned again on resuming, which Slack answers `already_pinned`: still one pin
    assert [c.ok for c in harness.standin.calls_to("pins.add")] == [True, False]
    assert harness.standin.pins[state.channel_id] == [cards[0].ts]
    # the DMs already in Slack are adopted from their conversations, not sent again
    assert len(harness.standin.calls_to("chat.postMessage")) == dms + 1
    [case] = cases(harness)
    assert (case.setup_status, case.card_pinned, case.card_ts) == ("complete", True, cards[0].ts)
    job = _setup_job(harness)
    assert (job.state, job.attempts) == ("done", 2)


@pytest.mark.postgres
def test_a_channel_made_by_a_drainer_that_died_before_recording_it_is_adopted_not_doubled(
    harness,
) -> None:
    """The database gone between Slack creating the channel and its record (so the set-up
    could not even be postponed): the job, taken again once its lease ran out, adopts the
    channel the bot made, rather than make a second one under the next name."""
    case_id = _refer_queued(harness)
    runtime = harness.runtime
    assert outbox.claim_next(runtime.db, "dead-drainer", harness.clock.now()) is not None
    slack = SlackGateway(runtime.web_client(), runtime.db, runtime.clock)
    reference = CaseSetup(runtime, slack).load(case_id).reference
    made = slack.create_private_channel(reference.lower(), adopt=False)
    assert made is not None

    harness.clock.advance(outbox.LEASE + timedelta(seconds=1))
    assert jobs.drain(runtime).completed(Job.CASE_SETUP) == 1

    [case] = cases(harness)
    assert (case.channel_id, case.channel_name) == (made["id"], reference.lower())
    assert [c.ok for c in harness.standin.calls_to("conversations.create")] == [True, False]
    assert harness.standin.pins[made["id"]] != []
    assert _setup_job(harness).attempts == 2


def test_a_card_the_ledger_has_but_its_case_lacks_is_kept_on_the_case_not_posted_again(
    harness,
) -> None:
    """A set-up stopped after its card went (in the ledger) but before the card's ts reached
    the case, as an earlier version could leave one: the next run finds the card in the
    ledger, keeps its ts on the case and pins it, without a second card."""
    case_id = _refer_queued(harness)
    runtime = harness.runtime
    slack = SlackGateway(runtime.web_client(), runtime.db, runtime.clock)
    setup = CaseSetup(runtime, slack)
    state = setup._ensure_channel(setup.load(case_id))
    assert state.channel_made is not None and state.card is not None
    assert state.channel_id is not None
    with runtime.db.session() as session:
        record_channel(session, case_id, *state.channel_made, harness.clock.now())
    ts = slack.post_once(
        f"case:{case_id}:card", state.channel_id, case_card_message(state.card), case_id=case_id
    )
    [case] = cases(harness)
    assert case.card_ts is None

    assert jobs.drain(runtime).completed(Job.CASE_SETUP) == 1

    [case] = cases(harness)
    assert (case.card_ts, case.card_pinned, case.setup_status) == (ts, True, "complete")
    cards = [
        m
        for m in harness.standin.messages_in(state.channel_id)
        if m.user == harness.standin.bot_user_id and m.ts == ts
    ]
    assert len(cards) == 1
    to_channel = [
        c
        for c in harness.standin.calls_to("chat.postMessage")
        if c.args["channel"] == state.channel_id
    ]
    assert len(to_channel) == 1
    assert [c.args["timestamp"] for c in harness.standin.calls_to("pins.add")] == [ts]


@pytest.mark.postgres
def test_the_card_and_its_pin_are_on_record_when_the_dms_fail_and_the_set_up_completes_after(
    harness, monkeypatch
) -> None:
    """The card, its pin and the DMs are one batch of posts: DMs Slack fails after the pin
    leave the card's ts and pin on record (with the ledger entries of what went) and the
    set-up unfinished, and the retry finishes it without posting or pinning the card again."""
    case_id = _refer_queued(harness)
    runtime, standin = harness.runtime, harness.standin
    impatient = WebClient(token=standin.bot_token, base_url=standin.api_url, retry_handlers=[])
    slack = SlackGateway(impatient, runtime.db, runtime.clock)
    setup = CaseSetup(runtime, slack)
    state = invite_members(runtime, slack, case_id, setup._ensure_channel(setup.load(case_id)))
    pin = slack.pin

    def pin_then_slack_fails(channel: str, ts: str) -> None:
        pin(channel, ts)
        standin.fail("chat.postMessage", status=503, times=100)

    monkeypatch.setattr(slack, "pin", pin_then_slack_fails)
    with pytest.raises(SlackError):
        setup._post_card_and_tell(case_id, state)

    [case] = cases(harness)
    assert case.card_ts is not None
    assert (case.card_pinned, case.setup_status) == (True, "pending")
    assert standin.dms_to(case.referred_by) == []
    standin.clear_faults()
    harness.clock.advance(timedelta(minutes=2))
    assert jobs.drain(runtime).completed(Job.CASE_SETUP) == 1
    [case] = cases(harness)
    assert case.setup_status == "complete"
    assert len(standin.calls_to("pins.add")) == 1
    assert state.channel_id is not None
    assert [
        m.ts for m in standin.messages_in(state.channel_id) if m.user == standin.bot_user_id
    ] == [case.card_ts]
    assert standin.dms_to(case.referred_by) != []


def test_a_set_up_ends_its_job_with_its_last_record_never_apart_from_it(
    harness, monkeypatch
) -> None:
    """The set-up's job is finished in the transaction that records the set-up complete:
    the database failing there leaves neither done (and the retry adopts the DMs already in
    Slack rather than send them twice); the drain's own finish, apart, is not needed."""
    _refer_queued(harness)
    record_card, failures = referral_flow.record_card, [dbutil.went_away("UPDATE")]

    def failing_as_it_completes(*args: Any, **kwargs: Any) -> None:
        if kwargs.get("complete") and failures:
            raise failures.pop()
        record_card(*args, **kwargs)

    monkeypatch.setattr(referral_flow, "record_card", failing_as_it_completes)
    jobs.drain(harness.runtime)
    [case] = cases(harness)
    assert (case.setup_status, _setup_job(harness).state) == ("pending", JobState.PENDING)
    sent = len([c for c in harness.standin.calls_to("chat.postMessage") if c.ok])

    def no_finish_apart(*args, **kwargs):
        raise AssertionError("the set-up's job is finished with the set-up, not after it")

    monkeypatch.setattr(outbox, "finish", no_finish_apart)
    harness.clock.advance(outbox.BACKOFF[0])
    assert jobs.drain(harness.runtime).completed(Job.CASE_SETUP) == 1
    [case] = cases(harness)
    assert (case.setup_status, _setup_job(harness).state) == ("complete", JobState.DONE)
    assert len([c for c in harness.standin.calls_to("chat.postMessage") if c.ok]) == sent


def test_invitations_lost_with_the_cards_attempt_are_made_again_harmlessly(
    harness, monkeypatch
) -> None:
    """The invitations are recorded in the transaction that writes down the card's attempt:
    the database failing there leaves neither, and no card posted; the retry invites again
    (Slack's `already_in_channel`, harmless), posts one card and records the members once."""
    case_id = _refer_queued(harness)
    standin = harness.standin
    # the database goes away as the card's ledger is read, after the invitations are written
    dbutil.fail_once(monkeypatch, gateway, "_ledger", "SELECT")
    jobs.drain(harness.runtime)
    [case] = cases(harness)
    assert case.setup_status == "pending" and case.channel_id is not None
    assert len(standin.calls_to("conversations.invite")) >= 1
    assert standin.messages_in(case.channel_id) == [], "no card without its attempt"
    with harness.runtime.db.session() as session:
        invited = session.scalars(
            select(CaseMember.invited_at).where(CaseMember.case_id == case_id)
        ).all()
    assert invited and all(at is None for at in invited)

    harness.clock.advance(outbox.BACKOFF[0])
    assert jobs.drain(harness.runtime).completed(Job.CASE_SETUP) == 1
    [case] = cases(harness)
    assert case.setup_status == "complete" and case.channel_id is not None
    assert len(standin.calls_to("conversations.create")) == 1
    cards = [m for m in standin.messages_in(case.channel_id) if m.user == standin.bot_user_id]
    assert [m.ts for m in cards] == [case.card_ts]
    with harness.runtime.db.session() as session:
        invited = session.scalars(
            select(CaseMember.invited_at).where(CaseMember.case_id == case_id)
        ).all()
        recorded = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.case_id == case_id, AuditEvent.action == "case.members_invited"
            )
        ).all()
    assert all(at is not None for at in invited)
    assert recorded == ["case.members_invited"]


def test_a_slack_server_error_is_retried_later_each_time(harness) -> None:
    _refer_queued(harness)
    harness.standin.fail("conversations.create", status=503, times=100)
    runtime = harness.runtime
    started = harness.clock.now()

    jobs.drain(runtime)
    job = _setup_job(harness)
    assert (job.state, job.attempts, job.last_error) == ("pending", 1, "service_unavailable")
    assert job.next_attempt_at == started + outbox.BACKOFF[0]
    assert jobs.drain(runtime).postponed == 0, "not due yet"

    harness.clock.advance(outbox.BACKOFF[0])
    jobs.drain(runtime)
    job = _setup_job(harness)
    assert job.attempts == 2
    assert job.next_attempt_at == harness.clock.now() + outbox.BACKOFF[1]

    harness.standin.clear_faults()
    harness.clock.advance(outbox.BACKOFF[1])
    assert jobs.drain(runtime).completed(Job.CASE_SETUP) == 1
    [case] = cases(harness)
    assert case.setup_status == "complete"


def test_a_job_slack_refuses_for_good_is_given_up(harness, monkeypatch) -> None:
    def post_to_a_missing_channel(runtime, slack: SlackGateway, case_id: int) -> None:
        slack.call("chat.postMessage", channel="C0MISSING", text="hello")

    monkeypatch.setitem(jobs.JOBS, Job.CASE_CARD, post_to_a_missing_channel)
    _quiet(harness)
    with harness.runtime.db.session() as session:
        outbox.enqueue(session, Job.CASE_CARD, now=harness.clock.now(), case_id=1)
    report = jobs.drain(harness.runtime)
    assert report.failed == 1
    [job] = _jobs(harness)
    assert (job.state, job.last_error) == ("failed", "channel_not_found")


def test_referrals_are_answered_within_slacks_three_seconds_while_slack_is_slow(
    harness,
) -> None:
    """16 in flight, each Web API call taking 2 s: the submissions wait for no Slack call, so
    each is answered "Referral received" within Slack's three seconds, and the set-ups follow.
    On a machine too busy to answer one in time, Slack shows that referrer an error and the
    referral is not stored: never an error for a case that was in fact created."""
    health = agency_id(harness, "Health")
    users = ["U0DPH", "U0CPU1", "U0CPU2", "U0ADMIN"]
    views = [(users[i % 4], open_referral_modal(harness, users[i % 4])) for i in range(16)]
    harness.standin.slow("*", 2.0)
    barrier = threading.Barrier(len(views))
    answered: list[tuple[float, bool]] = []

    def submit(user: str, view: str) -> None:
        barrier.wait()
        started = time.monotonic()
        response = harness.driver.submit_view(user, referral_values(health), view_id=view)
        received = response.status == 200 and body_json(response).get("response_action")
        answered.append((time.monotonic() - started, received == "update"))

    threads = [threading.Thread(target=submit, args=pair) for pair in views]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    in_time = [seconds for seconds, ok in answered if ok]
    assert stored_referrals(harness) == len(in_time) > 0, "each referral received is kept"
    assert max(in_time) < 3.0, sorted(in_time)

    harness.standin.clear_faults()
    harness.wait(timeout=120)
    assert len(cases(harness)) == len(in_time)
    assert {c.setup_status for c in cases(harness)} == {"complete"}
    late = [v for v in harness.standin.violations if "referral_submit" in v]
    for violation in late:  # a referrer shown Slack's error, with nothing stored
        harness.standin.violations.remove(violation)
    assert len(late) <= 2 * (16 - len(in_time))


def test_a_form_answered_too_late_for_slack_stores_nothing(harness, database) -> None:
    """Slack shows the person an error once three seconds have passed: a referral whose
    answer would come later is not stored, so that the error is the truth."""
    view, health = open_referral_modal(harness), agency_id(harness, "Health")
    held, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with database.engine.begin() as conn:  # BEGIN IMMEDIATE: the write lock
            conn.exec_driver_sql("SELECT 1")
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    assert held.wait(5)
    timer = threading.Timer(3.5, release.set)
    timer.start()
    response = harness.driver.submit_view("U0DPH", referral_values(health), view_id=view)
    holder.join()
    harness.wait()
    assert response.status != 200 or body_json(response).get("response_action") != "update"
    assert cases(harness) == []
    assert _jobs(harness) == []
    harness.standin.violations.clear()  # Slack's error is what this test is about


def test_the_drain_lets_the_requests_being_answered_go_first(harness, monkeypatch) -> None:
    """A set-up waits while this process is answering Slack (who has 3 seconds for each
    answer) and starts as soon as the last answer has gone."""
    case_id = _refer_queued(harness)
    monkeypatch.setattr(jobs, "PATIENCE", 30.0)
    answering = harness.runtime.answering
    done = threading.Event()
    drainer = threading.Thread(target=lambda: (jobs.drain(harness.runtime), done.set()))
    with answering.request():
        drainer.start()
        assert not done.wait(0.3), "the set-up ran while a request was being answered"
        assert harness.standin.calls_to("conversations.create") == []
    assert done.wait(10), "the set-up did not start once the answer had gone"
    drainer.join()
    [case] = [c for c in cases(harness) if c.id == case_id]
    assert case.setup_status == "complete"


def test_a_long_burst_slows_the_set_ups_but_never_stops_them(harness, monkeypatch) -> None:
    """Past its patience the drain runs the next job although requests keep coming."""
    _refer_queued(harness)
    monkeypatch.setattr(jobs, "PATIENCE", 0.05)
    reports: list[jobs.DrainReport] = []
    drainer = threading.Thread(target=lambda: reports.append(jobs.drain(harness.runtime)))
    with harness.runtime.answering.request():
        drainer.start()
        drainer.join(10)
        assert not drainer.is_alive(), "the drain waited for the burst to end"
    [report] = reports
    assert report.completed(Job.CASE_SETUP) == 1


def test_a_request_is_counted_while_it_is_answered(harness, monkeypatch) -> None:
    """What the drain waits for: each request to /slack/events, from its arrival to its
    answer (here a referral, seen from inside its check)."""
    answering = harness.runtime.answering
    seen: list[int] = []
    check = referral_handlers.check_referral

    def spying(*args, **kwargs):
        seen.append(answering.in_flight)
        return check(*args, **kwargs)

    monkeypatch.setattr(referral_handlers, "check_referral", spying)
    assert body_json(refer(harness))["response_action"] == "update"
    assert seen == [1]
    assert answering.in_flight == 0
