"""The ``/beast`` command grammar: Slack command text in, a ``Command`` out.

Pure: no I/O, no clock. Anything it cannot read raises ``UsageError`` whose
message is the help text with an example, and nothing else ever escapes.

Grammar (words are case-insensitive; ``--opt VALUE`` and ``--opt=VALUE`` both work;
a long dash that a Slack client typed in place of ``--`` counts as ``--``)::

    up [SIZE] [DISK_GB] [--ssh | --vpn] [--disk premium|standardssd|standard]
       [--name NAME] [--region REGION] [--ttl 8h|3d] [--from CIDR]...
        SIZE     a VM size, with or without "Standard_": E4s_v3, Standard_D8s_v5
        DISK_GB  OS disk size in GB: 1000 or 1000gb (a lone number is the disk)
        --ssh    SSH keys only (uses the key saved with "key"); --vpn: private VM
                 behind a VPN gateway; neither: password + JupyterHub
        --from   a source address range allowed in; repeat or comma-separate
    list [all]                 your VMs ("all": everyone's, for admins)
    status NAME
    stop NAME                  deallocate (no compute billing while stopped)
    start NAME
    down NAME                  delete the VM and everything with it (asks first)
    keep NAME [4h|2d]          skip the idle shutdown for a while (default 4h;
                               "4 hours" and "2 days" read the same)
    sizes [FILTER]             sizes in the region, with quota and price
    key ssh-ed25519 AAAA...    remember your SSH public key for --ssh
    help

Values are checked for form only; the core validates meaning (``build_request``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from beast.errors import UserError
from beast.models import DiskType, Variant

HELP = """\
*Beast: big data-science VMs on demand*
`/beast up [SIZE] [DISK_GB] [--ssh|--vpn] [--disk premium|standardssd|standard] \
[--name NAME] [--region REGION] [--ttl 8h|3d] [--from CIDR]`
    e.g. `/beast up E4s_v3 1000` (the default: E4s_v3 with a 1000 GB Premium SSD, \
password + JupyterHub)
`/beast list [all]` · `/beast status NAME` · `/beast stop NAME` · `/beast start NAME` \
· `/beast down NAME`
`/beast keep NAME 4h`: skip tonight's idle shutdown for a while
`/beast sizes [FILTER]`: e.g. `/beast sizes E4`
`/beast key ssh-ed25519 AAAA...`: remember your SSH public key for `--ssh`
`/beast help`: this list"""

MAX_KEEP_HOURS = 24 * 365  # a sanity bound; the service applies the real policy

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SIZE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_DISK = re.compile(r"^(\d{1,6})(?:gb|g)?$", re.IGNORECASE)
_DURATION = re.compile(r"^(\d{1,5}) ?(h|hrs?|hours?|d|days?)?$", re.IGNORECASE)
_DURATION_UNIT = re.compile(r"^(h|hrs?|hours?|d|days?)$", re.IGNORECASE)
_DASHES = re.compile(r"[\u2012\u2013\u2014\u2015\u2212]+")  # what smart punctuation makes of "--"
_VALUE_OPTIONS = {"disk", "name", "region", "ttl", "from"}


class UsageError(UserError):
    """The command text is not something Beast understands; the message is the help."""

    code = "usage"


@dataclass(frozen=True, kw_only=True)
class Up:
    """``up``: deploy a new VM (raw values; ``build_request`` validates them)."""

    size: str | None = None
    disk_gb: int | None = None
    variant: Variant | None = None
    disk_type: DiskType | None = None
    name: str | None = None
    region: str | None = None
    ttl: str | None = None
    allowed_from: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ListVms:
    """``list``: the caller's VMs, or everyone's."""

    everyone: bool = False


@dataclass(frozen=True, kw_only=True)
class Status:
    """``status NAME``."""

    name: str


@dataclass(frozen=True, kw_only=True)
class Stop:
    """``stop NAME``: deallocate."""

    name: str


@dataclass(frozen=True, kw_only=True)
class Start:
    """``start NAME``."""

    name: str


@dataclass(frozen=True, kw_only=True)
class Down:
    """``down NAME``: delete, after a confirmation button."""

    name: str


@dataclass(frozen=True, kw_only=True)
class Keep:
    """``keep NAME 4h``: exempt from the idle sweep for ``hours``."""

    name: str
    hours: int


@dataclass(frozen=True, kw_only=True)
class Sizes:
    """``sizes [FILTER]``."""

    contains: str | None = None


@dataclass(frozen=True, kw_only=True)
class Key:
    """``key ssh-ed25519 AAAA...``: remember an SSH public key."""

    public_key: str


@dataclass(frozen=True, kw_only=True)
class Help:
    """``help`` (or an empty command)."""


Command = Up | ListVms | Status | Stop | Start | Down | Keep | Sizes | Key | Help


def _usage(problem: str) -> UsageError:
    return UsageError(f"{problem}\n\n{HELP}")


def _name(words: list[str], verb: str) -> str:
    if not words:
        raise _usage(f"`{verb}` needs a VM name, e.g. `/beast {verb} beast-alice-1`.")
    name = words[0].lower()
    if not _NAME.match(name):
        raise _usage(
            f"`{_clip(words[0])}` is not a VM name: use lowercase letters, digits and hyphens."
        )
    return name


def _clip(word: str, limit: int = 40) -> str:
    """A user's word safe to echo inside backticks."""
    word = word.replace("`", "'")
    return word if len(word) <= limit else word[: limit - 1] + "…"


def _no_more(words: list[str], verb: str) -> None:
    if words:
        raise _usage(f"`{verb}` does not take `{_clip(' '.join(words))}`.")


def parse_duration_hours(text: str) -> int:
    """``4h`` / ``2d`` / ``4`` / ``4 hours`` to whole hours, 1 to ``MAX_KEEP_HOURS``."""
    match = _DURATION.match(text)
    if not match:
        raise _usage(f"`{_clip(text)}` is not a duration: use hours or days, e.g. `4h` or `2d`.")
    unit = (match.group(2) or "h").lower()
    hours = int(match.group(1)) * (24 if unit.startswith("d") else 1)
    if hours < 1:
        raise _usage(
            f"`{_clip(text)}` is not a duration I can keep a VM for: "
            "keep it at least 1 hour, e.g. `4h` or `2d`."
        )
    if hours > MAX_KEEP_HOURS:
        raise _usage(f"`{_clip(text)}` is not a duration I can keep a VM for, e.g. `4h` or `2d`.")
    return hours


def _parse_up(words: list[str]) -> Up:
    positional: list[str] = []
    options: dict[str, str] = {}
    allowed_from: list[str] = []
    variant: Variant | None = None
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if not word.startswith("--"):
            positional.append(word)
            continue
        key, has_value, value = word[2:].partition("=")
        key = key.lower()
        if key in {"ssh", "vpn"}:
            if has_value:
                raise _usage(f"`--{key}` takes no value.")
            chosen = Variant(key)
            if variant is not None and variant is not chosen:
                raise _usage("Choose one of `--ssh` and `--vpn`, not both.")
            variant = chosen
            continue
        if key not in _VALUE_OPTIONS:
            raise _usage(f"`{_clip(word)}` is not an option of `up`.")
        if not has_value:
            if i >= len(words) or words[i].startswith("--"):
                raise _usage(f"`--{key}` needs a value.")
            value = words[i]
            i += 1
        if key == "from":
            allowed_from.extend(part for part in value.split(",") if part)
            continue
        if key in options:
            raise _usage(f"`--{key}` is given twice.")
        options[key] = value

    size: str | None = None
    disk_gb: int | None = None
    if positional and not _DISK.match(positional[0]):
        size = positional.pop(0)
        if not _SIZE.match(size):
            raise _usage(f"`{_clip(size)}` is not a VM size, e.g. `E4s_v3` or `D8s_v5`.")
    if positional:
        match = _DISK.match(positional[0])
        if not match:
            raise _usage(f"`{_clip(positional[0])}` is not a disk size in GB, e.g. `1000`.")
        disk_gb = int(match.group(1))
        positional.pop(0)
    if positional:
        raise _usage(f"I don't know what `{_clip(' '.join(positional))}` means here.")

    disk_type: DiskType | None = None
    if "disk" in options:
        try:
            disk_type = DiskType(options["disk"].lower())
        except ValueError:
            raise _usage(
                f"`--disk {_clip(options['disk'])}`: choose premium, standardssd or standard."
            ) from None
    name = options.get("name")
    if name is not None:
        name = _name([name], "up --name")
    return Up(
        size=size,
        disk_gb=disk_gb,
        variant=variant,
        disk_type=disk_type,
        name=name,
        region=options["region"].lower() if "region" in options else None,
        ttl=options.get("ttl"),
        allowed_from=tuple(allowed_from),
    )


def normalize(text: str) -> str:
    """Undo what Slack and chat clients do to command text: HTML escapes, long dashes."""
    text = html.unescape(text)
    return _DASHES.sub("--", text).strip()


def parse(text: str) -> Command:
    """Read ``/beast`` command text; ``UsageError`` (with the help) when it is not valid."""
    words = normalize(text).split()
    if not words:
        return Help()
    verb, rest = words[0].lower(), words[1:]
    match verb:
        case "help" | "-h" | "--help" | "?":
            return Help()
        case "up" | "new" | "create":
            return _parse_up(rest)
        case "list" | "ls":
            if rest and rest[0].lower() in {"all", "--all", "everyone"}:
                _no_more(rest[1:], "list all")
                return ListVms(everyone=True)
            _no_more(rest, "list")
            return ListVms()
        case "status" | "stop" | "start" | "down":
            name = _name(rest, verb)
            _no_more(rest[1:], verb)
            verbs: dict[str, type[Status | Stop | Start | Down]] = {
                "status": Status,
                "stop": Stop,
                "start": Start,
                "down": Down,
            }
            return verbs[verb](name=name)
        case "keep":
            name = _name(rest, verb)
            duration = rest[1:2]
            if len(rest) > 2 and _DURATION_UNIT.match(rest[2]):
                duration = rest[1:3]  # "4 h", "2 days": the unit typed as its own word
            hours = parse_duration_hours(" ".join(duration)) if duration else 4
            _no_more(rest[1 + len(duration) :], verb)
            return Keep(name=name, hours=hours)
        case "sizes":
            if len(rest) > 1:
                raise _usage("`sizes` takes at most one filter, e.g. `/beast sizes E4`.")
            if rest and not _SIZE.match(rest[0]):
                raise _usage(f"`{_clip(rest[0])}` is not a size filter, e.g. `E4` or `v5`.")
            return Sizes(contains=rest[0] if rest else None)
        case "key":
            if not rest:
                raise _usage("`key` needs your public key, e.g. `/beast key ssh-ed25519 AAAA...`.")
            return Key(public_key=" ".join(rest))
        case _:
            raise _usage(f"I don't know the command `{_clip(words[0])}`.")
