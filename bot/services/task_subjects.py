"""What a task is about, beyond its agency: "recommendation 3" for a progress return."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.services.monitoring.rounds import recommendation_id_of
from storage.models import Recommendation, Task


def subject_label(session: Session, task: Task) -> str | None:
    recommendation_id = recommendation_id_of(task.subject_key)
    if recommendation_id is None:
        return None
    recommendation = session.get(Recommendation, recommendation_id)
    return None if recommendation is None else f"recommendation {recommendation.number}"
