from __future__ import annotations

from collections.abc import Sequence

from bot.views.format import user_link


def agencies_text(rows: Sequence[tuple[str, Sequence[str], Sequence[str]]]) -> str:
    lines = ["*Partnership agencies*"]
    for name, designated, leads in rows:
        who = ", ".join(user_link(u) for u in designated) or "nobody"
        line = f"• *{name}*: designated person {who}"
        if leads:
            line += "; review lead " + ", ".join(user_link(u) for u in leads)
        lines.append(line)
    return "\n".join(lines)
