"""The monitoring round's pro forma (Appendix 5, Word and CSV) with the case room configured:
kept encrypted on the case's page, the business unit's DMs carry a link, nothing is uploaded
to Slack; the business unit downloads it there, and an outsider is refused."""

from __future__ import annotations

import io

from docx import Document
from sqlalchemy import select

from bot.jobs.worker import tick
from storage.models import CaseDocument
from tests.monitoring.monitoring_helpers import (
    PLAN,
    SlackLog,
    add_owners,
    import_plan,
    london,
    plan_csv,
    to_monitoring,
    travel,
)
from tests.portal.helpers import PUBLIC_URL
from tests.portal.test_case_page import signed_in

UPLOADS = ("files.upload", "files.getUploadURLExternal", "files.completeUploadExternal")
STEM = "scr-2026-001-progress-2027-06-27"


def test_the_round_pro_forma_is_kept_in_the_case_room(portal) -> None:
    add_owners(portal)
    case = to_monitoring(portal, london(2026, 12, 27, 10))
    portal.clock.set(london(2027, 1, 4, 10))
    import_plan(portal, case, plan_csv(PLAN))
    travel(portal, SlackLog(portal), london(2027, 6, 28, 8))
    portal.clock.set(london(2027, 6, 28, 9))
    tick(portal.runtime)
    tick(portal.runtime)  # a second worker's tick sends and keeps nothing more

    standin = portal.standin
    assert not [c for c in standin.calls if c.method in UPLOADS]
    told = [m.text for m in standin.dms_to("U0ADMIN") if "progress returns, round 1" in m.text]
    assert len(told) == 1
    assert f"{PUBLIC_URL}/portal/cases/{case.reference}" in told[0]
    with portal.runtime.db.session() as session:
        docs = list(session.scalars(select(CaseDocument).order_by(CaseDocument.id)))
    assert [d.filename for d in docs] == [f"{STEM}.docx", f"{STEM}.csv"]
    assert all(b"Police" not in d.content for d in docs)

    admin = signed_in(portal, "U0ADMIN")
    got = admin.get(f"/portal/cases/{case.reference}/documents/{docs[0].id}")
    assert got.status_code == 200
    text = "\n".join(
        c.text for t in Document(io.BytesIO(got.data)).tables for r in t.rows for c in r.cells
    )
    assert "Police" in text
    sheet = admin.get(f"/portal/cases/{case.reference}/documents/{docs[1].id}")
    assert b"Police" in sheet.data
    outsider = signed_in(portal, "U0DPE")
    assert outsider.get(f"/portal/cases/{case.reference}/documents/{docs[0].id}").status_code == 403
