from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Engine

from storage.models import Base
from storage.types import UTCDateTime

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    from storage.db import make_engine

    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("run migrations with `scr-bot db upgrade`")
    engine = make_engine(url)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
