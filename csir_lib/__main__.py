"""`python -m csir_lib` runs the command line."""

from csir_lib.cli import main

raise SystemExit(main())
