"""The deployed package holds the app and its compiled templates, and nothing local."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pathspec

ROOT = Path(__file__).resolve().parents[1]


def deployed() -> set[str]:
    """The tracked files `.funcignore` lets into the package."""
    spec = pathspec.GitIgnoreSpec.from_lines((ROOT / ".funcignore").read_text().splitlines())
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {path for path in tracked if not spec.match_file(path)}


def test_the_package_ships_the_app_and_the_compiled_vm_templates() -> None:
    files = deployed()
    for needed in (
        "function_app.py",
        "host.json",
        "requirements.txt",
        "beast/worker.py",
        "functions/jobs.py",
        "bicep/vmtemplate.json",
        "bicep/vmtemplate_ssh.json",
        "bicep/vmtemplate_vpn.json",
    ):
        assert needed in files, needed


def test_the_package_leaves_out_tests_stand_ins_and_bicep_sources() -> None:
    files = deployed()
    assert not [f for f in files if f.startswith(("tests/", "local/", "bench/", ".github/"))]
    assert not [f for f in files if f.endswith(".bicep")]
    assert "local.settings.sample.json" not in files and "package.json" not in files
