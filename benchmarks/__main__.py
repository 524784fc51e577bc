from benchmarks import ack, tick

status = tick.main()
print()
raise SystemExit(status or ack.main(["--rounds", "3"]))
