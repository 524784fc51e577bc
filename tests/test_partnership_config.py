from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.partnership_config import PartnershipConfigError, load_partnership, parse_partnership
from bot.services.cases.access import (
    Role,
    active_agencies,
    agencies_of,
    roles_of,
    sync_partnership,
    users_with_role,
)
from bot.testing.seed import SEED_TOML
from storage.models import Agency, AgencyMember

MINIMAL = """
[roles]
board_chair = ["U0CHAIR"]
cpu = ["U0CPU1", "U0CPU2"]
admins = ["U0ADMIN"]

[[agencies]]
name = "Health"
designated_persons = ["U0DPH"]
review_leads = ["U0RLH"]
email = "safeguarding@health.example"
"""


def test_the_documented_shape_is_accepted() -> None:
    config = parse_partnership(MINIMAL)
    assert config.roles.cpu == ["U0CPU1", "U0CPU2"]
    assert config.agencies[0].email == "safeguarding@health.example"


def test_the_example_file_in_the_repository_loads() -> None:
    config = load_partnership(Path(__file__).parent.parent / "partnership.example.toml")
    assert [a.name for a in config.agencies][:2] == ["Health", "Police"]
    assert config.retention.years_after_sign_off == 7


def test_retention_is_seven_years_unless_the_file_says_otherwise() -> None:
    assert parse_partnership(MINIMAL).retention.years_after_sign_off == 7
    config = parse_partnership(MINIMAL + "\n[retention]\nyears_after_sign_off = 10\n")
    assert config.retention.years_after_sign_off == 10


def test_papers_are_due_five_working_days_before_the_panel_unless_the_file_says_otherwise():
    assert parse_partnership(MINIMAL).panel.papers_days_before == 5
    config = parse_partnership(MINIMAL + "\n[panel]\npapers_days_before = 3\n")
    assert config.panel.papers_days_before == 3
    with pytest.raises(PartnershipConfigError, match=r"key panel\.papers_days_before"):
        parse_partnership(MINIMAL + "\n[panel]\npapers_days_before = -1\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[roles\n", "not valid TOML: Expected ']' at the end of a table declaration (at line 1"),
        (MINIMAL.replace('"U0DPH"', '"dr lee"'), "key agencies[0].designated_persons[0]:"),
        (MINIMAL.replace('cpu = ["U0CPU1", "U0CPU2"]', ""), "key roles.cpu: Field required"),
        (MINIMAL + "\n[surprise]\nx = 1\n", "key surprise: Extra inputs are not permitted"),
        (MINIMAL.replace("safeguarding@health.example", "nobody"), "key agencies[0].email"),
        (
            MINIMAL + "\n[retention]\nyears_after_sign_off = 0\n",
            "key retention.years_after_sign_off: Input should be greater than 0",
        ),
        (
            MINIMAL + "\n[retention]\nyears_after_sign_off = 2.5\n",
            "key retention.years_after_sign_off: Input should be a valid integer",
        ),
        (MINIMAL + "\n[retention]\nyears = 7\n", "key retention.years: Extra inputs"),
        (
            MINIMAL + MINIMAL.split("[[agencies]]")[1].join(["[[agencies]]", ""]),
            "agency 'Health' is listed twice",
        ),
    ],
)
def test_a_malformed_file_names_the_file_and_the_key(tmp_path: Path, text: str, expected: str):
    path = tmp_path / "partnership.toml"
    path.write_text(text)
    with pytest.raises(PartnershipConfigError) as error:
        load_partnership(path)
    assert str(error.value).startswith(str(path))
    assert expected in str(error.value)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PartnershipConfigError, match="cannot be read"):
        load_partnership(tmp_path / "absent.toml")


@pytest.mark.postgres
def test_loading_is_idempotent_and_follows_changes(database) -> None:
    config = parse_partnership(SEED_TOML)
    for _ in range(2):
        with database.session() as session:
            sync_partnership(session, config)
    with database.session() as session:
        assert session.scalar(select(Agency).where(Agency.name == "Health")) is not None
        assert len(session.scalars(select(AgencyMember)).all()) == 8
        assert users_with_role(session, Role.CPU) == ["U0CPU1", "U0CPU2"]
        assert roles_of(session, "U0CHAIR") == {Role.BOARD_CHAIR}

    changed = parse_partnership(
        SEED_TOML.replace('cpu = ["U0CPU1", "U0CPU2"]', 'cpu = ["U0CPU2"]').split(
            '[[agencies]]\nname = "Education"'
        )[0]
    )
    with database.session() as session:
        sync_partnership(session, changed)
    with database.session() as session:
        assert users_with_role(session, Role.CPU) == ["U0CPU2"]
        assert "Education" not in [a.name for a in active_agencies(session)]
        assert agencies_of(session, "U0DPE") == []
