from benchmarks import ack, reminders, tick

status = tick.main()
print()
status = status or reminders.main([])
print()
raise SystemExit(status or ack.main(["--rounds", "3"]))
