"""Password rules (issue 18, finding 7): at least 10 characters, zxcvbn score 3 of 4 or more,
and neither the username nor the name inside; the same rules wherever a password is set."""
from __future__ import annotations

import pytest

from builders import PASSWORD, user
from triage import users


@pytest.mark.parametrize("password, reason", [
    ("aaaaaaaaaa", "too easy to guess"),
    ("password123", "too easy to guess"),
    ("1234567890", "too easy to guess"),
    ("qwertyuiop", "too easy to guess"),
    ("rahasia2024", "too easy to guess"),
    ("sari.dewi.2026!", "the username or name"),  # the username
    ("XdewiX-kuat-sekali", "the username or name"),  # a word of the name, any case
    ("short", "at least 10 characters"),
])
def test_weak_passwords_are_refused_with_the_reason(session, password, reason):
    with pytest.raises(users.UserError, match=reason):
        users.create_user(session, "sari.dewi", password, display_name="Sari Dewi")


@pytest.mark.parametrize("password", [PASSWORD, "panjang sekali", "another long passphrase", "Xk3_9fQ-7zPa"])
def test_strong_passwords_pass(session, password):
    users.check_password(password, "sari.dewi", "Sari Dewi")


def test_setting_a_password_uses_the_same_rules(session):
    agent = user(session, "agen1", display_name="Agen Satu")
    for weak in ("password123", "agen1agen1agen1", "SATU-kuat-sekali-99"):
        with pytest.raises(users.UserError):
            users.set_password(session, agent, weak)


def test_the_cli_says_why_in_english(runner, session, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("password123")
    result = runner.invoke(args=["users", "add", "budi", "--password-file", str(pw)])
    assert result.exit_code == 1 and "password is too easy to guess (strength 0 of 4, needs 3)" in result.output
