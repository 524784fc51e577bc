"""A CSPR after its local review is published, through signed requests and the clock: the
action plan and its progress monitoring as a Serious Case Review has them, spoken of as the
safeguarding partners' plan, from publication to the case signed off."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from bot.ids import MonitoringAction
from bot.process.working_days import LONDON
from storage.models import Case, CaseEvent, CaseSignOff, Reminder, Task
from tests.cspr_monitoring.helpers import PLAN_ROWS, published
from tests.decision.helpers import audit_rows, stored_case
from tests.flow_helpers import body_json
from tests.monitoring.monitoring_helpers import (
    SlackLog,
    add_owners,
    import_plan,
    london,
    plan_csv,
    return_task,
    send_return,
    travel,
)
from tests.monitoring.test_action_plan_entry import bot_dms, choose, listing, recs
from tests.process.helpers import PARTNER_LEADS, card_text

DECIDED = london(2027, 1, 5, 10)
"""The partners decide on a local review on Tue 5 Jan 2027: to be published by 5 Jul 2027."""
PUBLISHED = london(2027, 6, 29, 11)
"""Published on Tue 29 Jun 2027: the first progress returns fall due six months on, Wed 29
Dec 2027, just after the Christmas bank holidays (Mon 27 and Tue 28 Dec 2027)."""


def text_of(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def tasks(harness, case_id: int) -> list[Task]:
    with harness.runtime.db.session() as session:
        return list(session.scalars(select(Task).where(Task.case_id == case_id)))


def due_day(task: Task) -> date:
    return task.due_at.astimezone(LONDON).date()


@pytest.mark.postgres
def test_publication_begins_the_action_plan_stage_in_the_partners_words(partners) -> None:
    case = published(partners, DECIDED, PUBLISHED)

    assert case.stage == "monitoring" and case.closed_at is None
    began = [r.detail["stage"] for r in audit_rows(partners, "stage.begun")]
    assert began[-1] == "monitoring"
    assert [r.detail["stage"] for r in audit_rows(partners, "stage.ended")][-1] == "local_review"
    # The local review's own tasks end with it; nothing of it is left to nag anyone.
    left = {t.kind: t.status for t in tasks(partners, case.id)}
    assert left["review_report"] == "done"
    assert left["final_report_sent"] == left["practitioners_involved"] == "superseded"
    assert not [t for t in tasks(partners, case.id) if t.status == "open"]
    # No SCR steps after an agreed report (copies to OFSTED, briefings) for a CSPR.
    assert not [k for k in left if k.startswith("report_")]

    plan = listing(partners, "U0ADMIN", channel_id=case.channel_id)
    shown = text_of(plan.blocks)
    assert f"{case.reference} · action plan" in shown
    assert "No recommendations yet: add the local review's recommendations to the plan." in shown
    assert MonitoringAction.ADD.value in shown and MonitoringAction.IMPORT.value in shown
    assert "the Board" not in shown and "overview report" not in shown

    answer = partners.driver.slash_command(
        "U0ADMIN", "review publication", channel_id=case.channel_id
    )
    partners.wait()
    assert (
        f"The review of {case.reference} is published: nothing moves." in body_json(answer)["text"]
    )


@pytest.mark.postgres
def test_the_plan_is_entered_as_for_an_scr_and_its_first_returns_fall_due(partners) -> None:
    add_owners(partners)
    case = published(partners, DECIDED, PUBLISHED)
    partners.clock.set(london(2027, 7, 6, 10))
    import_plan(partners, case, plan_csv(PLAN_ROWS))

    [outcome] = [m for m in bot_dms(partners, "U0ADMIN") if "imported" in m.text]
    assert outcome.text == (
        f"{case.reference}: 2 recommendations imported into the action plan. "
        "Each owner has been told; the case card lists them."
    )
    assert [(r.number, r.status) for r in recs(partners, case.id)] == [(1, "open"), (2, "open")]
    first = [return_task(partners, case.id, n, 1) for n in (1, 2)]
    assert [(t.owner_role, t.status) for t in first] == [("action_owner", "open")] * 2
    # Six months after publication, as an SCR's first round is after its report is agreed.
    assert {due_day(t) for t in first} == {date(2027, 12, 29)}
    assert any(case.reference in m.text for m in partners.standin.dms_to("U0OWNH"))
    shown = text_of(listing(partners, "U0ADMIN", channel_id=case.channel_id).blocks)
    assert "Progress returns, round 1: due Wed 29 Dec 2027" in shown
    card = card_text(partners, case.id)
    assert f"{case.reference} · Monitoring the action plan" in card
    assert "*Action plan*: 2 recommendations · 2 open" in card
    assert "*Progress returns*, round 1: due Wed 29 Dec · 0 of 2 in" in card


@pytest.mark.postgres
def test_the_first_return_is_reminded_across_the_christmas_bank_holidays(partners) -> None:
    add_owners(partners)
    case = published(partners, DECIDED, PUBLISHED)
    partners.clock.set(london(2027, 7, 6, 10))
    import_plan(partners, case, plan_csv(PLAN_ROWS))
    task = return_task(partners, case.id, 1, 1)
    with partners.runtime.db.session() as session:
        planned = session.scalars(
            select(Reminder).where(Reminder.task_id == task.id).order_by(Reminder.at)
        ).all()
        days = [r.at.astimezone(LONDON).date() for r in planned if r.kind == "before"]
    # Two weeks and a week before, and the working day before: Fri 24 Dec, as Mon 27 and
    # Tue 28 Dec 2027 are bank holidays.
    assert days == [date(2027, 12, 15), date(2027, 12, 22), date(2027, 12, 24)]

    log = SlackLog(partners)
    travel(partners, log, london(2027, 12, 14, 10))
    assert not [s for s in log.dms_to("U0OWNH") if "progress return" in s.text.lower()]
    travel(partners, log, london(2027, 12, 29, 12))
    nudged = list(
        dict.fromkeys(
            s.when[:15] for s in log.dms_to("U0OWNH") if "progress return" in s.text.lower()
        )
    )
    assert nudged == ["Wed 15 Dec 2027", "Wed 22 Dec 2027", "Fri 24 Dec 2027", "Wed 29 Dec 2027"]
    friday = [s.text for s in log.dms_to("U0OWNH") if s.when.startswith("Fri 24 Dec")]
    assert any("by Wed 29 Dec · due in 1 working day" in t for t in friday)
    due_day_told = [s.text for s in log.dms_to("U0OWNH") if s.when.startswith("Wed 29 Dec")]
    assert any("Send the progress return" in t and "due today" in t for t in due_day_told)


@pytest.mark.postgres
def test_the_case_is_signed_off_as_an_scr_is(partners) -> None:
    add_owners(partners)
    case = published(partners, DECIDED, PUBLISHED)
    partners.clock.set(london(2027, 7, 6, 10))
    import_plan(partners, case, plan_csv(PLAN_ROWS))
    still = text_of(listing(partners, "U0ADMIN", channel_id=case.channel_id).blocks)
    assert "Sign-off: Recommendations still open: 1, 2." in still

    answers = []
    for number in (1, 2):
        view = choose(partners, "U0ADMIN", case, "implemented", number)
        answers.append(partners.driver.submit_view("U0ADMIN", {}, view_id=view.id))
        partners.wait()
    last = text_of(body_json(answers[-1]))
    assert "None is open now: the safeguarding partners can sign the case off" in last
    assert "the Board" not in last

    plan = listing(partners, "U0ADMIN", channel_id=case.channel_id)
    assert MonitoringAction.SIGN_OFF.value in text_of(plan.blocks)
    partners.driver.block_action(
        "U0ADMIN", MonitoringAction.SIGN_OFF.value, channel_id=plan.channel, message_ts=plan.ts
    )
    partners.wait()

    assert partners.standin.channels[case.channel_id].archived
    with partners.runtime.db.session() as session:
        signed = session.get(CaseSignOff, case.id)
        closed = session.get(Case, case.id)
        events = set(session.scalars(select(CaseEvent.event).where(CaseEvent.case_id == case.id)))
    assert signed is not None and signed.signed_off_by == "U0ADMIN"
    assert closed.closed_at is not None and "action_plan_complete" in events
    assert stored_case(partners, case.id).stage == "monitoring"
    after = text_of(listing(partners, "U0ADMIN", f"actions {case.reference}").blocks)
    assert "Signed off by the safeguarding partners." in after


@pytest.mark.postgres
def test_the_rounds_pro_forma_names_the_partners_who_confirmed_a_recommendation(partners) -> None:
    add_owners(partners)
    case = published(partners, DECIDED, PUBLISHED)
    partners.clock.set(london(2027, 7, 6, 10))
    import_plan(partners, case, plan_csv(PLAN_ROWS))
    view = choose(partners, "U0ADMIN", case, "implemented", 2)
    partners.driver.submit_view("U0ADMIN", {}, view_id=view.id)
    partners.wait()

    travel(partners, SlackLog(partners), london(2027, 12, 15, 11))
    task = return_task(partners, case.id, 1, 1)
    send_return(
        partners, "U0OWNH", task.id, status="in_progress", progress="Threshold guidance drafted"
    )

    stem = f"{case.reference.lower()}-progress-2027-12-29"
    [pro_forma] = [f for f in partners.standin.files.values() if f.name == f"{stem}.csv"]
    rows = pro_forma.content.decode("utf-8-sig")
    assert "Implemented: confirmed by the safeguarding partners on 6 July 2027." in rows
    assert "Threshold guidance drafted" in rows
    assert "the Board" not in rows


@pytest.mark.postgres
def test_the_partners_leads_close_recommendations_and_others_are_refused_in_their_words(
    partners,
) -> None:
    add_owners(partners)
    case = published(partners, DECIDED, PUBLISHED)
    partners.clock.set(london(2027, 7, 6, 10))
    import_plan(partners, case, plan_csv(PLAN_ROWS))
    rec = next(r for r in recs(partners, case.id) if r.number == 1)

    # Health's partner lead (not a Board role) sees the closing options and uses them.
    lead = PARTNER_LEADS["health"]
    assert f"implemented:{rec.id}" in text_of(
        listing(partners, lead, channel_id=case.channel_id).blocks
    )
    view = choose(partners, lead, case, "implemented", 1)
    answer = partners.driver.submit_view(lead, {}, view_id=view.id)
    partners.wait()
    assert f"{case.reference}: recommendation 1 is implemented." in text_of(body_json(answer))
    assert [r.status for r in recs(partners, case.id)] == ["implemented", "open"]

    # The CPU manages the plan but does not oversee it: no closing, and the refusal says who.
    cpu_plan = listing(partners, "U0CPU1", channel_id=case.channel_id)
    assert MonitoringAction.ADD.value in text_of(cpu_plan.blocks)
    assert "implemented:" not in text_of(cpu_plan.blocks)
    admin_plan = listing(partners, "U0ADMIN", channel_id=case.channel_id)
    second = next(r for r in recs(partners, case.id) if r.number == 2)
    block = next(b for b in admin_plan.blocks if b.get("block_id") == f"rec_{second.id}")
    option = next(o for o in block["accessory"]["options"] if o["value"] == f"close:{second.id}")
    partners.driver.block_action(
        "U0CPU1",
        MonitoringAction.MANAGE.value,
        block_id=f"rec_{second.id}",
        channel_id=admin_plan.channel,
        message_ts=admin_plan.ts,
        selected_option=option,
    )
    partners.wait()
    assert partners.standin.ephemerals_for("U0CPU1")[-1].text == (
        "Only the safeguarding partners (their business unit, leads or delegated lead) can "
        "close recommendations."
    )
    assert [r.status for r in recs(partners, case.id)] == ["implemented", "open"]
