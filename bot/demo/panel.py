"""Scene: the CPU schedules the Initial Panel; invitations go out by DM with their `.ics`
(also written to a folder for opening in a real calendar); members answer; the panel moves.
Once the integrated chronology is exported, the CPU sends it to the panel's members."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.demo.story import Story
from bot.ids import INPUT_ACTION, PanelAction, PanelBlock
from bot.services.panel.meetings import PAPERS_TASK
from storage.models import Case, Task
from storage.states import TaskStatus

ORGANISER = "U0CPU1"
CHAIR = "U0CPU2"
MEMBERS = ["U0RLH", "U0DPP", "U0DPR", "U0DPC"]
ANSWERS = (
    ("U0DPP", PanelAction.ACCEPT),
    ("U0RLH", PanelAction.ACCEPT),
    ("U0DPR", PanelAction.TENTATIVE),
)


def schedule_the_panel(story: Story, reference: str, folder: Path) -> None:
    """Plays the Initial Panel for ``reference``; the `.ics` files land in ``folder``."""
    harness = story.harness
    with harness.runtime.db.session() as session:
        channel = session.scalars(select(Case.channel_id).where(Case.reference == reference)).one()
    assert channel is not None
    _schedule(story, channel, date="2026-12-15", start="10:00", end="12:00", first=True)
    for user, action in ANSWERS:
        _answer(story, user, action)
    _the_others_confirm(story)
    _schedule(story, channel, date="2026-12-16", start="14:00", end="16:00", first=False)
    written = _write_calendar_files(story, folder)
    story.say()
    story.say(f"Calendar files (open them in Outlook or Google Calendar): {folder}")
    for path in written:
        story.say(f"  {path.relative_to(folder)}", short=False)
    story.say("  " + ", ".join(str(path.relative_to(folder)) for path in written), verbose=False)


def send_the_papers(story: Story, reference: str) -> None:
    """Before the Initial Panel meets, the CPU sends its members the integrated chronology:
    each is told by DM where it is, and the CPU's task is done."""
    harness = story.harness
    with harness.runtime.db.session() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case_id, channel = case.id, case.channel_id
    assert channel is not None
    with story.step(
        f"{story.name(ORGANISER)} types `/scr panel papers` in the case channel: the "
        "integrated chronology goes to the panel"
    ):
        harness.driver.slash_command(ORGANISER, "panel papers", channel_id=channel)
    told = [
        story.name(user)
        for user in (CHAIR, *MEMBERS)
        if any(
            "integrated chronology for the Initial Panel" in m.text
            for m in harness.standin.dms_to(user)
        )
    ]
    with harness.runtime.db.session() as session:
        status = session.scalars(
            select(Task.status).where(Task.case_id == case_id, Task.kind == PAPERS_TASK)
        ).one()
    assert status == TaskStatus.DONE, "the papers task is still open"
    story.say(
        f"  ➜ the panel's {len(told)} members were each told by DM where the chronology is;"
        " the CPU's task “Send chronology to panel” is done"
    )


def _schedule(story: Story, channel: str, *, date: str, start: str, end: str, first: bool) -> None:
    harness = story.harness
    who = story.name(ORGANISER)
    command = "panel schedule" if first else "panel change"
    answers: dict[str, Any] = {
        PanelBlock.DATE.value: date,
        PanelBlock.START.value: start,
        PanelBlock.END.value: end,
    }
    if first:
        answers |= {
            PanelBlock.LOCATION.value: "Committee Room 2, Town Hall",
            PanelBlock.VIDEO.value: "https://meet.example.org/scr-panel",
            PanelBlock.MEMBERS.value: MEMBERS,
            PanelBlock.CHAIR.value: CHAIR,
        }
    title = "fills in the date, place and panel" if first else "moves it to another day"
    with story.step(
        f"{who} types `/scr {command}` in the case channel, {title} ({date} {start}–{end})"
        " and sends the invitations"
    ):
        harness.driver.slash_command(ORGANISER, command, channel_id=channel)
        harness.wait()
        view = harness.standin.open_view_for(ORGANISER)
        assert view is not None, "the panel modal did not open"
        harness.driver.submit_view(
            ORGANISER,
            {block: {INPUT_ACTION: value} for block, value in answers.items()},
            view_id=view.id,
        )


def _answer(story: Story, user: str, action: PanelAction) -> None:
    harness = story.harness
    dms = [m for m in harness.standin.dms_to(user) if action.value in str(m.blocks)]
    if not dms:
        return
    label = {
        PanelAction.ACCEPT: "accepts the invitation",
        PanelAction.TENTATIVE: "answers maybe",
    }.get(action, action.value)
    with story.step(f"{story.name(user)} {label}"):
        harness.driver.block_action(
            user, action.value, channel_id=dms[-1].channel, message_ts=dms[-1].ts
        )


def _the_others_confirm(story: Story) -> None:
    """The panel can be marked held only once everyone has confirmed no previous involvement
    (or the CPU has recorded an exception)."""
    harness = story.harness
    action = PanelAction.NO_INVOLVEMENT.value
    others = (*MEMBERS, CHAIR)
    names = ", ".join(story.name(u) for u in others)
    with story.step(f"{names} confirm no previous involvement in the case"):
        for user in others:
            dm = [m for m in harness.standin.dms_to(user) if action in str(m.blocks)][-1]
            harness.driver.block_action(user, action, channel_id=dm.channel, message_ts=dm.ts)
            harness.wait()


def _write_calendar_files(story: Story, folder: Path) -> list[Path]:
    """One copy of each revision's `.ics` (as shared in the case channel)."""
    written: list[Path] = []
    seen: set[bytes] = set()
    for stored in story.harness.standin.files.values():
        if not stored.name.endswith(".ics") or stored.content in seen:
            continue
        seen.add(stored.content)
        revision = _sequence(stored.content)
        path = folder / f"revision-{revision}" / stored.name
        if path.exists() and path.read_bytes() != stored.content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(stored.content)
        if path not in written:
            written.append(path)
    return written


def _sequence(ics: bytes) -> str:
    for line in ics.decode("utf-8").splitlines():
        if line.startswith("SEQUENCE:"):
            return line.removeprefix("SEQUENCE:")
    return "0"
