"""The code's shape in figures: layer violations, listener lengths, modules per domain.

    python -m benchmarks.shape [ROOT]

Reads the source only (nothing runs). A *layer violation* is an import statement that runs
against the direction the layers keep: storage importing the bot, process definitions
importing storage or services, services importing handlers, views, flows or Slack's SDKs,
views importing services (other than a domain's schema) or storage, listeners importing
storage or SQLAlchemy. The old layout's `bot/blocks` counts as views.
"""

from __future__ import annotations

import ast
import statistics
import sys
from collections import Counter
from pathlib import Path

DOMAINS = (
    "referral",
    "first_month",
    "panel",
    "decision",
    "review",
    "monitoring",
    "reminders",
)
# Words in a module's path that tie it to a domain (old and new layouts alike).
DOMAIN_WORDS = {
    "referral": ("referral", "cases", "case_setup", "case_channel", "case_card", "status"),
    "first_month": ("first_month", "chronology", "agenc", "files"),
    "panel": ("panel", "calendar/"),
    "decision": ("decision", "not_met"),
    "review": ("review", "imr", "interview", "overview_report"),
    "monitoring": (
        "monitoring",
        "action_plan",
        "plan_",
        "progress",
        "round_summar",
        "sign_off",
        "owner_changes",
        "pro_forma",
        "return_submission",
        "user_events",
    ),
    "reminders": ("reminder", "engine", "task_", "my_tasks", "digest", "home", "owners"),
}

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "storage": ("bot",),
    "bot.process": ("storage", "bot.services"),
    "bot.services": (
        "bot.handlers",
        "bot.views",
        "bot.blocks",
        "bot.flows",
        "slack_sdk",
        "slack_bolt",
    ),
    "bot.views": ("bot.services", "storage", "sqlalchemy"),
    "bot.blocks": ("bot.services", "storage", "sqlalchemy"),
    "bot.handlers": ("storage", "sqlalchemy"),
}


def module_name(root: Path, path: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under `if TYPE_CHECKING:` (annotations only, never run)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return skipped


def imports_of(tree: ast.AST) -> list[str]:
    """What a module imports when it runs (as import-linter's contracts count it)."""
    found: list[str] = []
    skipped = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(root: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in sorted(root.glob("bot/**/*.py")) + sorted(root.glob("storage/**/*.py")):
        if "testing" in path.parts or "demo" in path.parts:
            continue
        source = module_name(root, path)
        layer = next((p for p in FORBIDDEN if _within(source, p)), None)
        if layer is None:
            continue
        for imported in imports_of(ast.parse(path.read_text())):
            for forbidden in FORBIDDEN[layer]:
                if not _within(imported, forbidden):
                    continue
                if layer in {"bot.views", "bot.blocks"} and imported.endswith(".schema"):
                    continue
                counts[f"{layer} -> {forbidden}"] += 1
    return counts


def listener_lengths(root: Path) -> list[int]:
    sizes = []
    for path in (root / "bot" / "handlers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                sizes.append((node.end_lineno or node.lineno) - node.lineno + 1)
    return sorted(sizes)


def modules_per_domain(root: Path) -> dict[str, int]:
    paths = [
        p.relative_to(root).as_posix()
        for p in root.glob("bot/**/*.py")
        if p.name != "__init__.py" and "testing" not in p.parts and "demo" not in p.parts
    ]
    return {
        domain: sum(1 for p in paths if any(word in p for word in DOMAIN_WORDS[domain]))
        for domain in DOMAINS
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".").resolve()
    counts = violations(root)
    print(f"layer violations (import statements): {sum(counts.values())}")
    for rule, n in counts.most_common():
        print(f"  {n:4d}  {rule}")
    sizes = listener_lengths(root)
    if sizes:
        p90 = statistics.quantiles(sizes, n=10)[-1] if len(sizes) > 1 else sizes[0]
        over = sum(1 for s in sizes if s > 25)
        print(
            f"functions in bot/handlers: {len(sizes)}; longest {sizes[-1]} lines; "
            f"90th percentile {p90:.0f}; over 25 lines: {over}"
        )
    small = sum(
        1
        for p in root.glob("bot/**/*.py")
        if p.name != "__init__.py"
        and "testing" not in p.parts
        and len(p.read_text().splitlines()) < 50
    )
    print(f"production modules under 50 lines: {small}")
    print(
        "modules per domain: " + ", ".join(f"{d} {n}" for d, n in modules_per_domain(root).items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
