"""A referral kept on submission and opened from the queue: sealed while it waits, opened
once and as of when it came in, whatever the database or a second delivery does meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from bot.crypto import EncryptionKeyError
from bot.ids import Job
from bot.jobs.outbox import drain
from bot.services.cases.access import Role
from bot.services.referral import opening
from storage.models import OutboxJob, ReceivedReferral, RoleAssignment
from tests import dbutil
from tests.flow_helpers import body_json, cases, refer_unopened, stored_referrals
from tests.referral.data import IDENTIFYING


def _received(harness) -> list[ReceivedReferral]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(ReceivedReferral)))


@pytest.mark.postgres
def test_a_referral_waiting_to_be_opened_is_kept_sealed_and_answered_at_once(harness) -> None:
    view, response = refer_unopened(harness)

    answer = body_json(response)
    assert answer["response_action"] == "update"
    assert "Referral received" in str(answer["view"])
    assert cases(harness) == []
    [kept] = _received(harness)
    assert (kept.source_view_id, kept.referrer) == (view, "U0DPH")
    for value in IDENTIFYING:
        assert value.encode() not in kept.sealed
    with harness.runtime.db.session() as session:
        [job] = session.scalars(select(OutboxJob))
        assert (job.kind, job.args) == (Job.CASE_OPEN, {"view_id": view})
    assert stored_referrals(harness) == 1


def test_nothing_identifying_is_on_disk_in_clear_while_a_referral_waits(harness, database) -> None:
    refer_unopened(harness)
    raw = dbutil.sqlite_file_bytes(database)
    assert b"received_referrals" in raw
    for value in IDENTIFYING:
        assert value.encode() not in raw


@pytest.mark.postgres
def test_a_case_opened_late_runs_from_when_its_referral_came_in(harness) -> None:
    """The worker was down over a weekend: the case opens on Monday, numbered and dated as
    referred on Friday, its deadlines counted from then; the sealed copy is gone."""
    received_at = harness.clock.now()
    refer_unopened(harness)
    harness.clock.advance(timedelta(days=3))

    assert drain(harness.runtime).completed(Job.CASE_OPEN) == 1
    [case] = cases(harness)
    assert case.reference == "SCR-2026-001"
    assert case.created_at == received_at
    assert case.setup_status == "complete"
    assert _received(harness) == []
    channel = harness.standin.channel_by_name("scr-2026-001")
    assert channel is not None
    [card] = [m for m in harness.standin.messages_in(channel.id) if m.ts == case.card_ts]
    assert "by Thu 24 Dec (deadline Sun 27 Dec)" in str(card.blocks)
    [dm] = harness.standin.dms_to("U0DPH")
    assert "SCR-2026-001" in dm.text


@pytest.mark.postgres
def test_the_database_failing_as_the_case_opens_loses_and_doubles_nothing(
    harness, monkeypatch
) -> None:
    refer_unopened(harness)
    dbutil.fail_once(monkeypatch, opening, "open_case", "INSERT")
    report = drain(harness.runtime)
    assert report.completed(Job.CASE_OPEN) == 0
    assert cases(harness) == []
    assert len(_received(harness)) == 1, "the referral is kept for the next attempt"

    harness.clock.advance(timedelta(minutes=2))
    assert drain(harness.runtime).completed(Job.CASE_OPEN) == 1
    assert [c.reference for c in cases(harness)] == ["SCR-2026-001"]
    assert _received(harness) == []
    assert len(harness.standin.calls_to("conversations.create")) == 1


def test_the_form_delivered_again_after_its_case_opened_names_that_case(harness) -> None:
    refer_unopened(harness)
    drain(harness.runtime)
    again = harness.driver.redeliver()
    harness.wait()
    drain(harness.runtime)

    assert "SCR-2026-001" in str(body_json(again)["view"])
    assert len(cases(harness)) == 1
    assert _received(harness) == []
    assert len(harness.standin.calls_to("conversations.create")) == 1


@pytest.mark.postgres
def test_a_referral_kept_again_after_its_case_opened_is_opened_as_that_case(harness) -> None:
    """The case's own insert finds the modal's case (no read before it, no savepoint): the
    opening answers with that case, keeps nothing, and its transaction goes on to commit."""
    refer_unopened(harness)
    [kept] = _received(harness)
    copy = {c: getattr(kept, c) for c in ("source_view_id", "referrer", "received_at", "sealed")}
    drain(harness.runtime)
    [case] = cases(harness)
    with harness.runtime.db.session() as session:
        session.add(ReceivedReferral(**copy))

    with harness.runtime.db.session() as session:
        again = opening.open_received(
            session,
            copy["source_view_id"],
            cipher=harness.runtime.cipher,
            cal=harness.runtime.working_calendar(),
        )
    assert again is not None
    assert (again.case_id, again.reference, again.created) == (case.id, case.reference, False)
    assert [c.id for c in cases(harness)] == [case.id]
    assert _received(harness) == []


def test_a_second_delivery_while_the_referral_waits_keeps_one(harness) -> None:
    refer_unopened(harness)
    again = harness.driver.redeliver()
    harness.wait()
    assert "Referral received" in str(body_json(again)["view"])
    assert len(_received(harness)) == 1

    assert drain(harness.runtime).completed(Job.CASE_OPEN) == 1
    assert len(cases(harness)) == 1


def test_a_referral_that_cannot_be_opened_is_kept_retried_and_its_people_told_once(
    harness, monkeypatch
) -> None:
    """The opening keeps failing (a master key missing, say): the job is never given up,
    however many attempts; once the referral is 15 minutes late the referrer and the
    business unit are told, once; when the cause is mended the case opens."""
    received_at = harness.clock.now()
    refer_unopened(harness)
    real_open = opening.open_case

    def failing(*args, **kwargs):
        raise EncryptionKeyError("no key in SCR_ENCRYPTION_KEY unwraps it")

    monkeypatch.setattr(opening, "open_case", failing)
    drain(harness.runtime)
    assert harness.standin.dms_to("U0DPH") == [], "not late yet: nobody is bothered"
    for _ in range(14):  # more than a Slack job's attempts before it is given up
        harness.clock.advance(timedelta(hours=1))
        assert drain(harness.runtime).postponed == 1

    [to_referrer] = harness.standin.dms_to("U0DPH")
    assert "kept safely" in to_referrer.text and "need not refer it again" in to_referrer.text
    assert "the Board business unit has been told" in to_referrer.text
    [to_admin] = harness.standin.dms_to("U0ADMIN")
    assert "<@U0DPH>" in to_admin.text and "EncryptionKeyError" in to_admin.text
    for value in IDENTIFYING:
        assert value not in to_referrer.text + to_admin.text
    with harness.runtime.db.session() as session:
        [job] = session.scalars(select(OutboxJob))
        assert (job.state, job.attempts) == ("pending", 15)
    assert len(_received(harness)) == 1

    monkeypatch.setattr(opening, "open_case", real_open)
    harness.clock.advance(timedelta(hours=1))
    assert drain(harness.runtime).completed(Job.CASE_OPEN) == 1
    [case] = cases(harness)
    assert (case.reference, case.created_at) == ("SCR-2026-001", received_at)


def test_a_late_referral_nobody_else_can_be_told_of_asks_its_referrer_to_tell(
    harness, monkeypatch
) -> None:
    """No one holds the business unit's role: the referrer is not told that it knows."""
    with harness.runtime.db.session() as session:
        session.execute(delete(RoleAssignment).where(RoleAssignment.role == Role.ADMIN))
    refer_unopened(harness)

    def failing(*args, **kwargs):
        raise EncryptionKeyError("no key in SCR_ENCRYPTION_KEY unwraps it")

    monkeypatch.setattr(opening, "open_case", failing)
    for _ in range(2):
        harness.clock.advance(timedelta(minutes=15))
        drain(harness.runtime)

    [to_referrer] = harness.standin.dms_to("U0DPH")
    assert "please tell the Board business unit" in to_referrer.text
    assert "has been told" not in to_referrer.text
    assert harness.standin.dms_to("U0ADMIN") == []
