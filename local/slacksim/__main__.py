"""``python -m local.slacksim``: send a signed command to Beast, or ``serve`` the fake Slack."""

from local.slacksim.cli import main

raise SystemExit(main())
