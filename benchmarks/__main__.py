from benchmarks.tick import main

raise SystemExit(main())
