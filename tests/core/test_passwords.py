"""Generated admin passwords: strong, shell-safe, fresh, and never shown by accident."""

from __future__ import annotations

import string

from beast.passwords import generate_password


def test_a_password_is_24_characters_with_lower_upper_digit_and_symbol() -> None:
    for _ in range(50):
        secret = generate_password().reveal()
        assert len(secret) == 24
        assert any(c.islower() for c in secret)
        assert any(c.isupper() for c in secret)
        assert any(c.isdigit() for c in secret)
        assert any(c in string.punctuation for c in secret)


def test_a_password_has_no_quotes_backslashes_or_whitespace() -> None:
    for _ in range(200):
        secret = generate_password().reveal()
        assert not set(secret) & set("'\"`\\ \t\r\n$")
        assert secret.isascii() and secret.isprintable()


def test_two_passwords_differ() -> None:
    assert generate_password().reveal() != generate_password().reveal()


def test_the_secret_never_shows_the_password_in_repr_or_str() -> None:
    secret = generate_password()
    password = secret.reveal()
    assert password not in repr(secret)
    assert password not in str(secret)
    assert password not in f"{secret}"
    assert password not in repr([secret, {"password": secret}])
