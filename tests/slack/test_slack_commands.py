"""The /beast grammar: every command, its errors, and no crash on any text."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beast.models import DiskType, Variant
from beast.slack.commands import (
    HELP,
    Command,
    Down,
    Help,
    Keep,
    Key,
    ListVms,
    Sizes,
    Start,
    Status,
    Stop,
    Up,
    UsageError,
    parse,
)


def test_headline_up_reads_size_then_disk() -> None:
    assert parse("up E4s_v3 1000") == Up(size="E4s_v3", disk_gb=1000)


def test_bare_up_leaves_every_choice_to_the_defaults() -> None:
    assert parse("up") == Up()


def test_a_lone_number_after_up_is_the_disk_not_the_size() -> None:
    assert parse("up 500gb") == Up(disk_gb=500)


def test_up_reads_every_option_in_any_order() -> None:
    command = parse(
        "up Standard_D8s_v5 256 --disk=standardssd --name Lab-Box --region WestEurope "
        "--ttl 3d --from 203.0.113.7/32 --ssh --from 198.51.100.0/24,192.0.2.0/24"
    )
    assert command == Up(
        size="Standard_D8s_v5",
        disk_gb=256,
        variant=Variant.SSH,
        disk_type=DiskType.STANDARDSSD,
        name="lab-box",
        region="westeurope",
        ttl="3d",
        allowed_from=("203.0.113.7/32", "198.51.100.0/24", "192.0.2.0/24"),
    )


def test_a_long_dash_typed_by_a_chat_client_counts_as_two_hyphens() -> None:
    assert parse("up E4s_v3 \u2014vpn \u2014disk standard").variant is Variant.VPN


def test_slack_html_escapes_are_undone_before_reading() -> None:
    assert (
        parse("key ssh-ed25519 AAAAC3 alice&amp;bob").public_key == "ssh-ed25519 AAAAC3 alice&bob"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list", ListVms()),
        ("LIST all", ListVms(everyone=True)),
        ("status beast-alice-1", Status(name="beast-alice-1")),
        ("stop Beast-Alice-1", Stop(name="beast-alice-1")),
        ("start beast-alice-1", Start(name="beast-alice-1")),
        ("down beast-alice-1", Down(name="beast-alice-1")),
        ("keep beast-alice-1 4h", Keep(name="beast-alice-1", hours=4)),
        ("keep beast-alice-1 2d", Keep(name="beast-alice-1", hours=48)),
        ("keep beast-alice-1", Keep(name="beast-alice-1", hours=4)),
        ("sizes", Sizes()),
        ("sizes E4", Sizes(contains="E4")),
        (
            "key ssh-ed25519 AAAAC3Nza alice@laptop",
            Key(public_key="ssh-ed25519 AAAAC3Nza alice@laptop"),
        ),
        ("help", Help()),
        ("", Help()),
        ("   ", Help()),
    ],
)
def test_each_command_reads_as_documented(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate", "I don't know the command `frobnicate`"),
        ("stop", "`stop` needs a VM name"),
        ("status bad_name!", "is not a VM name"),
        ("up E4s_v3 lots", "not a disk size"),
        ("up E4s_v3 100 200", "I don't know what `200` means"),
        ("up --disk gold", "choose premium, standardssd or standard"),
        ("up --ssh --vpn", "not both"),
        ("up --name", "`--name` needs a value"),
        ("up --name a --name b", "given twice"),
        ("up --colour red", "not an option of `up`"),
        ("keep beast-alice-1 forever", "is not a duration"),
        ("keep beast-alice-1 0h", "is not a duration I can keep"),
        ("list everything now", "does not take"),
        ("key", "needs your public key"),
        ("sizes E4 E8", "at most one filter"),
    ],
)
def test_unreadable_text_gets_the_problem_and_the_help(text: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert says in caught.value.message
    assert caught.value.message.endswith(HELP)
    assert "/beast up E4s_v3 1000" in caught.value.message


def test_usage_text_never_echoes_a_backtick_that_would_break_formatting() -> None:
    with pytest.raises(UsageError) as caught:
        parse("`rm -rf`")
    assert "`'rm`" in caught.value.message


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_usage_error_only(text: str) -> None:
    try:
        command = parse(text)
    except UsageError as exc:
        assert HELP in exc.message
    else:
        assert isinstance(command, Command)


_WORDS = st.sampled_from(
    [
        "up",
        "list",
        "status",
        "stop",
        "start",
        "down",
        "keep",
        "sizes",
        "key",
        "help",
        "--ssh",
        "--vpn",
        "--disk",
        "--name",
        "--region",
        "--ttl",
        "--from",
        "--disk=premium",
        "E4s_v3",
        "1000",
        "4h",
        "2d",
        "beast-alice-1",
        "all",
        "\u2014ssh",
        "&amp;",
        "=",
        "--",
    ]
)


@given(st.lists(st.one_of(_WORDS, st.text(max_size=12)), max_size=8))
def test_command_like_word_salad_parses_or_raises_usage_error_only(words: list[str]) -> None:
    try:
        command = parse(" ".join(words))
    except UsageError as exc:
        assert HELP in exc.message
    else:
        assert isinstance(command, Command)


def _readme_commands() -> list[str]:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    grammar = readme.split("### Commands", 1)[1].split("```", 2)[1]
    words = " ".join(grammar.split())
    return ["/beast " + form.strip() for form in words.split("/beast ")[1:]]


def test_the_help_shows_every_command_form_the_readme_documents() -> None:
    forms = _readme_commands()

    assert len(forms) == 10
    for form in forms:
        assert f"`{form}`" in HELP, form
