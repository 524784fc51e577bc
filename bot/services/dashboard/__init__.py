"""The Board's dashboard: every case at a glance and the framework's timeliness figures
(`figures.board_figures`); `schema` is what the web views share."""

from bot.services.dashboard.figures import board_figures

__all__ = ["board_figures"]
