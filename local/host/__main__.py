"""``python -m local.host``: run the local Functions host in the foreground."""

from local.host.cli import main

raise SystemExit(main())
