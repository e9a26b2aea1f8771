"""Lets a function in the host process leave a note the test process can read."""

import json
import os


def record(note: dict[str, object]) -> None:
    """Append ``note`` as one JSON line to the file named by BEAST_HOST_TEST_RECORD."""
    with open(os.environ["BEAST_HOST_TEST_RECORD"], "a", encoding="utf-8") as notes:
        notes.write(json.dumps(note) + "\n")
