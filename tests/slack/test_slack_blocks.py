"""Block Kit messages: what people see, and the buttons the bot answers."""

from datetime import UTC, datetime

from beast.models import OperationKind, Variant, Vm, VmState
from beast.service import SizeOffer
from beast.slack import blocks
from tests.factories import make_ready_vm, make_size

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def a_vm(**changes: object) -> Vm:
    return make_ready_vm(created_at=NOW, **changes)


def buttons(message: blocks.Message) -> dict[str, dict[str, object]]:
    found = {}
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found[element["action_id"]] = element
    return found


def test_deploying_ack_says_what_will_happen() -> None:
    text = blocks.deploying(a_vm(state=VmState.DEPLOYING)).text
    assert text.startswith("Deploying *beast-alice-1*: E4s_v3, 1000 GB Premium SSD")
    assert "I'll message you when it's ready." in text


def test_vpn_ack_warns_about_the_gateway_wait() -> None:
    assert "45 minutes" in blocks.deploying(a_vm(variant=Variant.VPN)).text


def test_ready_message_has_jupyterhub_ssh_size_disk_and_four_buttons() -> None:
    message = blocks.ready(a_vm())
    assert "https://20.1.2.3:8000" in message.text
    assert "`ssh alice@20.1.2.3`" in message.text
    assert "E4s_v3, 1000 GB Premium SSD" in message.text
    found = buttons(message)
    assert set(found) == {
        blocks.ACTION_STOP,
        blocks.ACTION_START,
        blocks.ACTION_KEEP,
        blocks.ACTION_DELETE,
    }
    assert all(button["value"] == "beast-alice-1" for button in found.values())
    assert "confirm" in found[blocks.ACTION_DELETE]


def test_password_message_carries_the_password_and_says_it_is_private() -> None:
    text = blocks.password(a_vm(), "S3cret-Pass!").text
    assert "`S3cret-Pass!`" in text
    assert "Only you can see this" in text


def test_ready_message_never_carries_a_password_field() -> None:
    assert "Password for" not in blocks.ready(a_vm()).text


def test_failure_gives_the_reason_in_plain_words() -> None:
    text = blocks.failed("beast-alice-1", OperationKind.DEPLOY, "Azure said: quota exceeded.").text
    assert text == ":x: I could not deploy *beast-alice-1*. Azure said: quota exceeded."


def test_idle_warning_offers_keep_alive_and_shows_the_time_in_each_readers_zone() -> None:
    message = blocks.idle_warning(a_vm(), datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    assert set(buttons(message)) == {blocks.ACTION_KEEP}
    assert "<!date^1772478000^" in message.text
    assert "2026-03-02 19:00 UTC" in message.text


def test_down_confirmation_has_delete_and_cancel_in_a_confirm_block() -> None:
    message = blocks.confirm_delete("beast-alice-1")
    assert set(buttons(message)) == {blocks.ACTION_DELETE, blocks.ACTION_CANCEL}
    assert message.blocks[1]["block_id"].startswith(blocks.CONFIRM_BLOCK_PREFIX)


def test_list_caps_its_length_and_says_how_many_more() -> None:
    vms = [a_vm(name=f"beast-alice-{i}") for i in range(25)]
    text = blocks.vm_list(vms).text
    assert text.count("\n") == 20
    assert text.endswith("…and 5 more.")


def test_empty_list_suggests_the_headline_command() -> None:
    assert "/beast up E4s_v3 1000" in blocks.vm_list([]).text


def test_sizes_lists_vcpus_price_and_quota_and_flags_sizes_over_quota() -> None:
    e4 = make_size()
    e64 = make_size(name="Standard_E64s_v3", vcpus=64, memory_gb=432)
    text = blocks.sizes(
        [
            SizeOffer(size=e4, quota_left=10, hourly_usd=0.252),
            SizeOffer(size=e64, quota_left=10, hourly_usd=None),
        ],
        region="eastus",
    ).text
    assert "`E4s_v3` 4 vCPU, 32 GB · $0.25/h · quota left 10 vCPU\n" in text
    assert (
        "`E64s_v3` 64 vCPU, 432 GB · price unknown · quota left 10 vCPU · _over your quota_" in text
    )


def test_every_section_stays_within_block_kits_limit() -> None:
    message = blocks.status(a_vm(error="x" * 5000))
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")


def test_saved_key_is_named_by_its_tail_not_echoed_whole() -> None:
    text = blocks.key_saved("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0NjQ4 alice@laptop").text
    assert "ssh-ed25519" in text and "AAAAIGx0NjQ4" in text
    assert "AAAAC3NzaC1lZDI1NTE5" not in text


def _section_texts(message: blocks.Message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def test_a_full_list_of_long_names_shows_every_line_within_block_kits_limit() -> None:
    vms = [
        a_vm(
            name=f"beast-{i:02d}-" + "x" * 31,
            owner_name="a" * 20,
            size="Standard_ND96amsr_A100_v4",
            region="germanywestcentral",
            jupyter_url="https://255.255.255.255:8000",
        )
        for i in range(25)
    ]

    sections = _section_texts(blocks.vm_list(vms, show_owner=True))

    assert all(len(text) <= 3000 for text in sections)
    shown = "\n".join(sections)
    assert all(f"*{vm.name}*" in shown for vm in vms[:20])
    assert shown.endswith("…and 5 more.")


def test_a_full_sizes_list_shows_every_line_within_block_kits_limit() -> None:
    offers = [
        SizeOffer(
            size=make_size(name=f"Standard_ND96amsr_A100_v{i}", vcpus=416, memory_gb=11400, gpus=8),
            quota_left=100,
            hourly_usd=109.2,
        )
        for i in range(35)
    ]

    sections = _section_texts(blocks.sizes(offers, region="germanywestcentral"))

    assert all(len(text) <= 3000 for text in sections)
    shown = "\n".join(sections)
    assert all(f"`ND96amsr_A100_v{i}`" in shown for i in range(30))
    assert shown.endswith("add a filter, e.g. `/beast sizes E4`.")
