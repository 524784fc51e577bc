from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    """Log lines carry ids and case references only; payloads are never logged."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
