from benchmarks import ack, portal, reminders, tick

status = tick.main()
print()
status = status or reminders.main([])
print()
status = status or ack.main(["--rounds", "3"])
print()
raise SystemExit(status or portal.main([]))
