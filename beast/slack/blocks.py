"""Block Kit messages Beast sends to Slack. Pure: data in, message dicts out.

Every builder returns a ``Message``: ``text`` (the notification and screen-reader
fallback) and ``blocks``. Button ``action_id``s are the ``ACTION_*`` constants the
bot listens for; each button's ``value`` is the VM name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from beast.models import OperationKind, Variant, Vm, VmState
from beast.ports import SizeOffer

ACTION_STOP = "beast_stop"
ACTION_START = "beast_start"
ACTION_KEEP = "beast_keep"
ACTION_DELETE = "beast_delete"  # carries a confirm dialog, or follows "down NAME"
ACTION_CANCEL = "beast_cancel"
CONFIRM_BLOCK_PREFIX = "confirm:"  # the block of a "down NAME" confirmation
KEEP_BUTTON_HOURS = 4

_SECTION_LIMIT = 3000  # Block Kit's limit on a section's text
_LIST_LIMIT = 20
_SIZES_LIMIT = 30

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """A Slack message: fallback text plus Block Kit blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The ``text``/``blocks`` fields of a Slack message payload."""
        body: dict[str, Any] = {"text": self.text}
        if self.blocks:
            body["blocks"] = self.blocks
        return body


def short_size(size: str) -> str:
    """``Standard_E4s_v3`` as people say it: ``E4s_v3``."""
    return size.removeprefix("Standard_")


def disk_label(vm: Vm) -> str:
    """``1000 GB Premium SSD``."""
    return f"{vm.disk_gb} GB {vm.disk_type.label}"


def slack_date(at: datetime) -> str:
    """A time Slack shows in each reader's own time zone, with a UTC fallback."""
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _section(text: str) -> Block:
    if len(text) > _SECTION_LIMIT:
        text = text[: _SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _sections(lines: Sequence[str]) -> list[Block]:
    """Whole lines packed into as few sections as Block Kit's limit allows."""
    packed: list[str] = []
    for line in lines:
        if packed and len(packed[-1]) + 1 + len(line) <= _SECTION_LIMIT:
            packed[-1] += "\n" + line
        else:
            packed.append(line)
    return [_section(text) for text in packed]


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(
    text: str, action_id: str, value: str, *, style: str | None = None, confirm: Block | None = None
) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def _delete_confirm(name: str) -> Block:
    return {
        "title": {"type": "plain_text", "text": "Delete this VM?"},
        "text": {
            "type": "mrkdwn",
            "text": f"This deletes *{name}*, its disk and everything in its resource group. "
            "It cannot be undone.",
        },
        "confirm": {"type": "plain_text", "text": "Delete"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }


def vm_buttons(name: str) -> Block:
    """Stop, Start, Keep alive and Delete (with a confirm dialog) for one VM."""
    return {
        "type": "actions",
        "block_id": f"vm:{name}",
        "elements": [
            _button("Stop", ACTION_STOP, name),
            _button("Start", ACTION_START, name),
            _button(f"Keep alive {KEEP_BUTTON_HOURS}h", ACTION_KEEP, name),
            _button("Delete", ACTION_DELETE, name, style="danger", confirm=_delete_confirm(name)),
        ],
    }


def describe(vm: Vm) -> str:
    """``E4s_v3, 1000 GB Premium SSD`` (plus the variant when it is not the default)."""
    extra = {Variant.JUPYTER: "", Variant.SSH: ", SSH only", Variant.VPN: ", behind a VPN"}
    return f"{short_size(vm.size)}, {disk_label(vm)}{extra[vm.variant]}"


def deploying(vm: Vm) -> Message:
    """The ack to ``up``: what will happen."""
    wait = " (the VPN gateway takes about 45 minutes)" if vm.variant is Variant.VPN else ""
    text = f"Deploying *{vm.name}*: {describe(vm)} in {vm.region}{wait}. "
    text += "I'll message you when it's ready."
    return Message(text)


def queued(kind: OperationKind, name: str) -> Message:
    """The ack to stop, start or delete."""
    words = {
        OperationKind.STOP: f"Stopping *{name}* (deallocating, so compute billing stops). ",
        OperationKind.START: f"Starting *{name}*. ",
        OperationKind.DELETE: f"Deleting *{name}* and everything in its resource group. ",
        OperationKind.DEPLOY: f"Deploying *{name}*. ",
    }
    return Message(words[kind] + "I'll tell you when it's done.")


def ready(vm: Vm) -> Message:
    """The VM is up: JupyterHub URL, SSH command, size and disk, with action buttons."""
    lines = [f":white_check_mark: *{vm.name}* is ready: {describe(vm)} in {vm.region}."]
    if vm.jupyter_url:
        lines.append(f"*JupyterHub:* {vm.jupyter_url}  (log in as `{vm.admin_username}`)")
    if vm.ssh_command:
        lines.append(f"*SSH:* `{vm.ssh_command}`")
    if vm.variant is Variant.VPN:
        gateway = f" (gateway {vm.gateway_ip})" if vm.gateway_ip else ""
        lines.append(f"Connect the VPN{gateway} first; the VM has no public address.")
    if vm.variant is Variant.JUPYTER:
        lines.append("Your password was shown to you privately where you asked for the VM.")
    text = "\n".join(lines)
    return Message(
        text,
        [
            _section(text),
            _context("Stop it when you are done: a stopped (deallocated) VM costs only its disk."),
            vm_buttons(vm.name),
        ],
    )


def password(vm: Vm, secret: str) -> Message:
    """The generated password, for an ephemeral message to the owner only."""
    text = (
        f":key: Password for *{vm.name}* (user `{vm.admin_username}`): `{secret}`\n"
        "Only you can see this message and Beast keeps no copy: save it in your password "
        "manager now."
    )
    return Message(text)


def password_undeliverable(vm: Vm) -> Message:
    """Said (by DM) when no private channel for the password is left."""
    return Message(
        f"I could not show you the password for *{vm.name}* privately (Slack's reply window "
        "closed). Reset it in the Azure portal (the VM's *Reset password* page), or delete the "
        "VM and ask again."
    )


def finished(vm: Vm, kind: OperationKind) -> Message:
    """A start, stop or delete completed."""
    if kind is OperationKind.STOP:
        text = f"*{vm.name}* is stopped and deallocated: only its disk costs money now."
        return Message(text, [_section(text), vm_buttons(vm.name)])
    if kind is OperationKind.START:
        text = f"*{vm.name}* is running again."
        if vm.jupyter_url:
            text += f" JupyterHub: {vm.jupyter_url}"
        if vm.ssh_command:
            text += f"\nSSH: `{vm.ssh_command}`"
        return Message(text, [_section(text), vm_buttons(vm.name)])
    if kind is OperationKind.DELETE:
        return Message(f"*{vm.name}* and its resource group are deleted.")
    return Message(f"*{vm.name}* is ready.")


def failed(vm_name: str, kind: OperationKind, reason: str) -> Message:
    """An operation failed, in plain words with Azure's reason."""
    verb = {
        OperationKind.DEPLOY: "deploy",
        OperationKind.START: "start",
        OperationKind.STOP: "stop",
        OperationKind.DELETE: "delete",
    }[kind]
    return Message(f":x: I could not {verb} *{vm_name}*. {reason}")


def idle_warning(vm: Vm, stop_at: datetime) -> Message:
    """The VM looks idle; it will be deallocated at ``stop_at`` unless kept."""
    text = (
        f":zzz: *{vm.name}* ({describe(vm)}) looks idle. I'll stop (deallocate) it at "
        f"{slack_date(stop_at)} unless you keep it alive."
    )
    keep = _button(f"Keep alive {KEEP_BUTTON_HOURS}h", ACTION_KEEP, vm.name, style="primary")
    return Message(text, [_section(text), {"type": "actions", "elements": [keep]}])


def idle_stopped(vm: Vm) -> Message:
    """The sweep is deallocating the VM for idleness (the worker reports when it is done)."""
    text = (
        f"I'm stopping (deallocating) *{vm.name}* because it stayed idle after my warning. "
        f"Its disk is kept: `/beast start {vm.name}` brings it back."
    )
    start = _button("Start", ACTION_START, vm.name)
    return Message(text, [_section(text), {"type": "actions", "elements": [start]}])


def kept(vm: Vm) -> Message:
    """``keep`` done."""
    until = slack_date(vm.keep_until) if vm.keep_until else "later"
    return Message(f"OK: *{vm.name}* skips the idle shutdown until {until}.")


def confirm_delete(name: str) -> Message:
    """The answer to ``down NAME``: ask before deleting."""
    text = f"Delete *{name}*, its disk and everything in its resource group? This cannot be undone."
    buttons = {
        "type": "actions",
        "block_id": f"{CONFIRM_BLOCK_PREFIX}{name}",
        "elements": [
            _button("Delete", ACTION_DELETE, name, style="danger"),
            _button("Cancel", ACTION_CANCEL, name),
        ],
    }
    return Message(text, [_section(text), buttons])


def cancelled(name: str) -> Message:
    """The Cancel button of a delete confirmation."""
    return Message(f"OK, *{name}* stays.")


def _vm_line(vm: Vm, *, show_owner: bool) -> str:
    owner = f" · {vm.owner_name}" if show_owner else ""
    line = f"*{vm.name}* · {vm.state.value} · {describe(vm)} · {vm.region}{owner}"
    if vm.state is VmState.RUNNING and vm.jupyter_url:
        line += f" · {vm.jupyter_url}"
    return line


def vm_list(vms: Sequence[Vm], *, show_owner: bool = False) -> Message:
    """``list``: one line per VM."""
    if not vms:
        return Message("No VMs. Try `/beast up E4s_v3 1000`.")
    shown = [_vm_line(vm, show_owner=show_owner) for vm in vms[:_LIST_LIMIT]]
    if len(vms) > _LIST_LIMIT:
        shown.append(f"…and {len(vms) - _LIST_LIMIT} more.")
    return Message("\n".join(shown), _sections(shown))


def status(vm: Vm) -> Message:
    """``status NAME``: the VM's record, with action buttons."""
    lines = [_vm_line(vm, show_owner=True)]
    if vm.state is VmState.DELETED:
        # Its addresses and keep-alive belonged to resources that no longer exist.
        if vm.error:
            lines.append(f"Why: {vm.error}")
        return Message("\n".join(lines), [_section("\n".join(lines))])
    if vm.jupyter_url:
        lines.append(f"JupyterHub: {vm.jupyter_url}")
    if vm.ssh_command:
        lines.append(f"SSH: `{vm.ssh_command}`")
    if vm.keep_until:
        lines.append(f"Kept from the idle shutdown until {slack_date(vm.keep_until)}")
    if vm.expires_at:
        lines.append(f"Expires {slack_date(vm.expires_at)}")
    if vm.error:
        lines.append(f"Last error: {vm.error}")
    text = "\n".join(lines)
    blocks = [_section(text)]
    if vm.state not in {VmState.DELETING, VmState.DELETED}:
        blocks.append(vm_buttons(vm.name))
    return Message(text, blocks)


def sizes(offers: Sequence[SizeOffer], *, region: str) -> Message:
    """``sizes``: one line per size with vCPUs, memory, quota left and price."""
    if not offers:
        return Message(f"No matching sizes in {region}.")
    lines = [f"Sizes in {region}:"]
    for offer in offers[:_SIZES_LIMIT]:
        size, quota_left, hourly = offer.size, offer.quota_left, offer.hourly_usd
        price = f"${hourly:.2f}/h" if hourly is not None else "price unknown"
        gpus = f", {size.gpus} GPU" if size.gpus else ""
        fits = "" if quota_left >= size.vcpus else " · _over your quota_"
        lines.append(
            f"`{short_size(size.name)}` {size.vcpus} vCPU, {size.memory_gb:g} GB{gpus} · "
            f"{price} · quota left {quota_left} vCPU{fits}"
        )
    if len(offers) > _SIZES_LIMIT:
        lines.append(
            f"…and {len(offers) - _SIZES_LIMIT} more: add a filter, e.g. `/beast sizes E4`."
        )
    return Message("\n".join(lines), _sections(lines))


def key_saved(key: str) -> Message:
    """``key`` done: name the key by its type and tail, never echo it whole."""
    parts = key.split()
    tail = parts[1][-12:] if len(parts) > 1 else ""
    return Message(f"Saved your {parts[0]} key (…{tail}). `/beast up --ssh` will use it.")


def plain(text: str) -> Message:
    """A message that is just text."""
    return Message(text)
