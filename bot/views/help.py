from __future__ import annotations

from collections.abc import Sequence


def help_text(commands: Sequence[tuple[str, str]]) -> str:
    lines = ["*scr-bot* coordinates Serious Case Reviews. Commands:"]
    lines += [f"• `{usage}`: {summary}" for usage, summary in sorted(commands)]
    lines.append("Case channels and messages name the case reference only, never the child.")
    return "\n".join(lines)
