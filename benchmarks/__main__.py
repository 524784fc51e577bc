"""Benchmarks: `python -m benchmarks` prints figures (they are not timed tests)."""

from benchmarks import ack, cost, portal, reminders, statements, tick, web

status = tick.main()
print()
status = status or reminders.main([])
print()
status = status or ack.main(["--rounds", "3"])
print()
status = status or cost.main([])
print()
status = status or statements.main([])
print()
status = status or portal.main([])
print()
raise SystemExit(status or web.main([]))
