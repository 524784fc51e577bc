"""What has been delivered of each revision of a panel meeting (a ledger, so a retried
delivery never sends anything twice), and a lease on sending it, so that the worker and
the request that changed the meeting never send the same thing side by side."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.services import audit
from storage.db import Database
from storage.models import PanelDelivery, PanelMeeting

DISTRIBUTION_LEASE = timedelta(minutes=5)


def delivered_to(db: Database, meeting_id: int, sequence: int, channel: str) -> set[str]:
    with db.session() as session:
        return set(
            session.scalars(
                select(PanelDelivery.target).where(
                    PanelDelivery.meeting_id == meeting_id,
                    PanelDelivery.sequence == sequence,
                    PanelDelivery.channel == channel,
                )
            )
        )


def record_delivery(
    db: Database,
    meeting_id: int,
    sequence: int,
    channel: str,
    target: str,
    *,
    ref: str | None,
    now: datetime,
) -> None:
    """Note one delivery; a second note of the same one (a concurrent retry) is ignored."""
    try:
        with db.session() as session:
            session.add(
                PanelDelivery(
                    meeting_id=meeting_id,
                    sequence=sequence,
                    channel=channel,
                    target=target,
                    ref=ref,
                    delivered_at=now,
                )
            )
    except IntegrityError:
        return


def claim_distribution(db: Database, meeting_id: int, now: datetime) -> bool:
    """Take the sending of the meeting's current revision for a while, so that the worker and
    the request that changed the meeting never send the same thing side by side."""
    with db.session() as session:
        result = session.execute(
            update(PanelMeeting)
            .where(
                PanelMeeting.id == meeting_id,
                or_(
                    PanelMeeting.distributing_until.is_(None),
                    PanelMeeting.distributing_until <= now,
                ),
            )
            .values(distributing_until=now + DISTRIBUTION_LEASE)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def finish_distribution(db: Database, meeting_id: int, sequence: int, now: datetime) -> None:
    """The revision has reached everyone it concerns (audited once per revision)."""
    with db.session() as session:
        meeting = session.get(PanelMeeting, meeting_id)
        if meeting is None:
            return
        first_time = meeting.distributed_seq is None or meeting.distributed_seq < sequence
        meeting.distributed_seq = max(sequence, meeting.distributed_seq or 0)
        meeting.distributing_until = None
        if first_time:
            audit.record(
                session,
                at=now,
                actor="bot",
                action="panel.sent",
                case_id=meeting.case_id,
                meeting_id=meeting.id,
                sequence=sequence,
                status=meeting.status,
            )


def postpone_distribution(db: Database, meeting_id: int, until: datetime) -> None:
    with db.session() as session:
        meeting = session.get(PanelMeeting, meeting_id)
        if meeting is not None:
            meeting.distributing_until = until


def pending_distributions(db: Database, now: datetime) -> list[int]:
    """Meetings whose latest revision has not reached everyone yet (Slack or the mail relay
    failed part-way), while it still matters."""
    with db.session() as session:
        return list(
            session.scalars(
                select(PanelMeeting.id)
                .where(
                    PanelMeeting.status.in_(("proposed", "scheduled", "cancelled")),
                    or_(
                        PanelMeeting.distributed_seq.is_(None),
                        PanelMeeting.distributed_seq < PanelMeeting.sequence,
                    ),
                    or_(
                        PanelMeeting.distributing_until.is_(None),
                        PanelMeeting.distributing_until <= now,
                    ),
                    or_(PanelMeeting.end_at.is_(None), PanelMeeting.end_at > now),
                )
                .order_by(PanelMeeting.id)
            )
        )
