"""Health report: Beast's version and whether its dependencies answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from beast import __version__

Probe = Callable[[], None]


@dataclass(frozen=True)
class HealthReport:
    """What /api/health returns."""

    version: str
    checks: dict[str, str]

    @property
    def ok(self) -> bool:
        """True when every dependency answered."""
        return all(result == "ok" for result in self.checks.values())

    def as_dict(self) -> dict[str, object]:
        """The JSON body."""
        return {"status": "ok" if self.ok else "degraded", "version": self.version, **self.checks}


def check_health(probes: Mapping[str, Probe]) -> HealthReport:
    """Run every probe; a probe that raises marks its dependency unreachable."""
    checks: dict[str, str] = {}
    for name, probe in probes.items():
        try:
            probe()
        except Exception as exc:  # any failure means "not reachable"; say which kind, no secrets
            checks[name] = f"unreachable ({type(exc).__name__})"
        else:
            checks[name] = "ok"
    return HealthReport(version=__version__, checks=checks)
