"""The case page's long forms on the web (chronology entries in bulk, the terms of reference,
a management review): one generic form, whose inputs are named as the Slack modal's blocks,
so that the services' errors (by block) land beside the input they are about."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.views.web.portal import Chrome, _env

Kind = Literal["text", "long", "date", "select", "checkboxes", "number"]
Value = str | list[str]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: Kind = "text"
    required: bool = False
    hint: str = ""
    options: Sequence[tuple[str, str]] = ()
    """(value, label) of a select or of checkboxes."""
    max_length: int | None = None

    @property
    def multi(self) -> bool:
        return self.kind == "checkboxes"


@dataclass(frozen=True)
class FormTable:
    """Rows of the same inputs (chronology entries, recommendations): each input is named
    ``<column name>_<row number>``, rows from 1."""

    caption: str
    columns: Sequence[FormField]
    rows: int

    def names(self) -> list[FormField]:
        return [
            FormField(
                f"{c.name}_{row}",
                f"{c.label}, row {row}",
                c.kind,
                False,
                c.hint,
                c.options,
                c.max_length,
            )
            for row in range(1, self.rows + 1)
            for c in self.columns
        ]


@dataclass(frozen=True)
class WebForm:
    title: str
    lede: str
    action: str
    submit: str
    cancel: str
    fields: Sequence[FormField] = ()
    table: FormTable | None = None
    after: Sequence[FormField] = ()
    """Inputs below the table."""
    values: Mapping[str, Value] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    notice: str = ""
    hidden: Mapping[str, str] = field(default_factory=dict)
    """Hidden inputs sent back with the answers (a form's one-time key)."""

    def all_fields(self) -> list[FormField]:
        return [*self.fields, *(self.table.names() if self.table else []), *self.after]

    def label(self, name: str) -> str:
        return next((f.label for f in self.all_fields() if f.name == name), "This form")

    def anchor(self, name: str) -> str:
        known = {f.name for f in self.all_fields()}
        if name in known:
            return name
        first = self.all_fields()
        return first[0].name if first else "main"

    def value(self, name: str) -> str:
        found = self.values.get(name, "")
        return found if isinstance(found, str) else ""

    def chosen(self, name: str) -> list[str]:
        found = self.values.get(name, [])
        return [found] if isinstance(found, str) else list(found)


def render_case_form(chrome: Chrome, form: WebForm) -> str:
    return (
        _env()
        .get_template("portal/case_form.html")
        .render(chrome=chrome, form=form, title=form.title)
    )
