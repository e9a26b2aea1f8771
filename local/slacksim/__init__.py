"""Beast's offline Slack stand-in: a fake Web API, response_urls, and a signed command sender.

Start it in-process with ``start_slacksim()`` (tests, the local stack) or as
``python -m local.slacksim serve --port P --state-file F``. Point Beast's ``SLACK_API_URL`` at
``RunningSlackSim.api_url``. Build signed slash commands and button clicks with
``signed_command`` / ``signed_action`` (see ``local.slacksim.signing``).
"""

from local.slacksim.cli import DEFAULT_PORT, DEFAULT_STATE_FILE, write_state_file
from local.slacksim.server import RunningSlackSim, start_slacksim
from local.slacksim.signing import signed_action, signed_command, slack_headers
from local.slacksim.state import BOT_USER_ID, DEFAULT_TOKENS, SimState, default_users, make_user

__all__ = [
    "BOT_USER_ID",
    "DEFAULT_PORT",
    "DEFAULT_STATE_FILE",
    "DEFAULT_TOKENS",
    "RunningSlackSim",
    "SimState",
    "default_users",
    "make_user",
    "signed_action",
    "signed_command",
    "slack_headers",
    "start_slacksim",
    "write_state_file",
]
