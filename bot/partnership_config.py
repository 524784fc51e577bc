"""The partnership file named by SCR_CONFIG: agencies, the people who act for them, Board roles."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
)

from bot.process.registry import DEFAULT_PROCESS_KEY, process_keys

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _slack_user_id(value: str) -> str:
    if not SLACK_USER_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack user id (like U0123ABCD)")
    return value


SlackUserId = Annotated[str, AfterValidator(_slack_user_id)]


class PartnershipConfigError(ValueError):
    pass


class PartnerLeads(BaseModel):
    """The lead of each statutory safeguarding partner: the local authority, the police and
    health (the integrated care board)."""

    model_config = ConfigDict(extra="forbid")

    local_authority: SlackUserId | None = None
    police: SlackUserId | None = None
    health: SlackUserId | None = None

    def named(self) -> list[tuple[str, str]]:
        """(partner, person) for each partner with a lead named, in the file's order."""
        return [(partner, user) for partner, user in self.model_dump().items() if user]


class Roles(BaseModel):
    model_config = ConfigDict(extra="forbid")

    board_chair: list[SlackUserId] = Field(min_length=1)
    cpu: list[SlackUserId] = Field(min_length=1)
    admins: list[SlackUserId] = Field(default_factory=list)
    review_chairs: list[SlackUserId] = Field(default_factory=list)
    """Who may chair a review panel besides the CPU's senior managers (everyone under ``cpu``):
    the framework's "or someone the Board considers suitable"."""
    partner_leads: PartnerLeads = Field(default_factory=PartnerLeads)
    """The three safeguarding partners' leads (Working Together 2023): the process role
    ``partner_leads``."""
    delegated_lead: SlackUserId | None = None
    """The person the partners delegate their day-to-day work to: the process role
    ``delegated_lead``."""


class AgencyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    designated_persons: list[SlackUserId] = Field(min_length=1)
    review_leads: list[SlackUserId] = Field(default_factory=list)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    core: bool = False


class CalendarConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closures: list[date] = Field(default_factory=list)


class BoardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str | None = None
    name: str = "Safeguarding Children Board"
    report_copies: list[Annotated[str, Field(min_length=1, max_length=35)]] = Field(
        default_factory=list
    )
    """Who, besides OFSTED, receives a copy of an agreed overview report (a task each)."""


class PanelConfig(BaseModel):
    """The Initial Panel: how many working days before it meets each agency's chronology and
    synopsis, and the integrated chronology for its members, fall due."""

    model_config = ConfigDict(extra="forbid")

    papers_days_before: int = Field(default=5, ge=0, le=20)


class RetentionConfig(BaseModel):
    """How long a signed-off case's personal data is kept before it is erased (its data key
    destroyed); the anonymised record is kept."""

    model_config = ConfigDict(extra="forbid")

    years_after_sign_off: PositiveInt = 7


class ReferralConfig(BaseModel):
    """Where a referral's identifying details (the child's names, date of birth, address,
    family, telephone) are entered: "web" (the case room's form, reached from Slack by a
    one-time link), "slack" (all in the Slack modal, for Boards that accept it), or unset:
    the web when the case room is configured, else Slack."""

    model_config = ConfigDict(extra="forbid")

    identifying_details: Literal["web", "slack"] | None = None


class ProcessConfig(BaseModel):
    """The process a new case follows unless the business unit picks another when it is
    referred: a key of a process definition ("bolton-scr", "cspr")."""

    model_config = ConfigDict(extra="forbid")

    default: str = DEFAULT_PROCESS_KEY

    @field_validator("default")
    @classmethod
    def _known(cls, value: str) -> str:
        known = process_keys()
        if value not in known:
            raise ValueError(
                f"unknown process {value!r}; the known processes are "
                + ", ".join(repr(key) for key in known)
            )
        return value


class PartnershipConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: Roles
    agencies: list[AgencyConfig] = Field(min_length=1)
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    board: BoardConfig = Field(default_factory=BoardConfig)
    panel: PanelConfig = Field(default_factory=PanelConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    referral: ReferralConfig = Field(default_factory=ReferralConfig)
    process: ProcessConfig = Field(default_factory=ProcessConfig)

    @field_validator("agencies")
    @classmethod
    def _unique_names(cls, agencies: list[AgencyConfig]) -> list[AgencyConfig]:
        seen: set[str] = set()
        for agency in agencies:
            key = agency.name.casefold()
            if key in seen:
                raise ValueError(f"agency {agency.name!r} is listed twice")
            seen.add(key)
        return agencies


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_partnership(text: str, *, source: str = "<config>") -> PartnershipConfig:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PartnershipConfigError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return PartnershipConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"key {_loc(err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise PartnershipConfigError(f"{source}: {problems}") from exc


def load_partnership(path: Path) -> PartnershipConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PartnershipConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    return parse_partnership(text, source=str(path))
