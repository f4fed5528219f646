"""`triage users`: each command changes the team in the database, or says why not and changes nothing."""
from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from builders import PASSWORD, user
from triage import users
from triage.models import ApiToken, User

NEW_PASSWORD = "another long passphrase"


def password_file(tmp_path, password: str = NEW_PASSWORD):
    path = tmp_path / "password.txt"
    path.write_text(password + "\n")  # the trailing newline an editor leaves is not part of it
    return path


def member(sessionmaker, username: str) -> User | None:
    with sessionmaker() as s:
        return s.scalar(sa.select(User).where(User.username == username))


def test_add_stores_the_member_as_given_with_the_password_from_a_file(runner, sessionmaker, tmp_path):
    result = runner.invoke(args=[
        "users", "add", "Sari", "--role", "supervisor", "--name", "Sari Dewi", "--skill", "missing_incentive",
        "--skill", "certificate_pending", "--capacity", "7", "--on-shift", "--password-file", str(password_file(tmp_path)),
    ])
    assert result.exit_code == 0, result.output
    assert result.output == "added sari (supervisor)\n"
    sari = member(sessionmaker, "sari")
    assert (sari.role, sari.display_name, sari.skills, sari.capacity, sari.on_shift, sari.active) == (
        "supervisor", "Sari Dewi", ["missing_incentive", "certificate_pending"], 7, True, True
    )
    assert check_password_hash(sari.password_hash, NEW_PASSWORD)


def test_add_prompts_twice_for_the_password_and_defaults_to_an_off_shift_agent(runner, sessionmaker):
    result = runner.invoke(args=["users", "add", "budi"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    budi = member(sessionmaker, "budi")
    assert (budi.role, budi.display_name, budi.skills, budi.capacity, budi.on_shift) == ("agent", "budi", [], 5, False)
    assert check_password_hash(budi.password_hash, NEW_PASSWORD)


def test_add_refuses_a_short_password_or_a_taken_name_and_adds_no_one(runner, session, sessionmaker, tmp_path):
    user(session, "agen1")
    short = runner.invoke(args=["users", "add", "budi", "--password-file", str(password_file(tmp_path, "short"))])
    assert short.exit_code == 1 and "Error: password must have at least 10 characters" in short.output
    taken = runner.invoke(args=["users", "add", "AGEN1", "--role", "admin", "--password-file", str(password_file(tmp_path))])
    assert taken.exit_code == 1 and "Error: username 'agen1' is taken" in taken.output
    with sessionmaker() as s:
        assert s.execute(sa.select(User.username, User.role)).all() == [("agen1", "agent")]
    assert check_password_hash(member(sessionmaker, "agen1").password_hash, PASSWORD)


def test_password_replaces_the_members_password(runner, session, sessionmaker, tmp_path):
    user(session, "agen1")
    user(session, "agen2")
    result = runner.invoke(args=["users", "password", "Agen1", "--password-file", str(password_file(tmp_path))])
    assert result.exit_code == 0 and result.output == "password of agen1 set; their logins ended\n", result.output
    changed = member(sessionmaker, "agen1").password_hash
    assert check_password_hash(changed, NEW_PASSWORD) and not check_password_hash(changed, PASSWORD)
    assert check_password_hash(member(sessionmaker, "agen2").password_hash, PASSWORD)  # the others keep theirs


def test_password_of_no_one_or_too_short_changes_nothing(runner, session, sessionmaker, tmp_path):
    user(session, "agen1")
    unknown = runner.invoke(args=["users", "password", "nobody", "--password-file", str(password_file(tmp_path))])
    assert unknown.exit_code == 1 and "Error: no user 'nobody'" in unknown.output
    short = runner.invoke(args=["users", "password", "agen1", "--password-file", str(password_file(tmp_path, "short"))])
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    assert check_password_hash(member(sessionmaker, "agen1").password_hash, PASSWORD)


def test_token_is_printed_once_and_opens_the_api_with_its_scopes(runner, session, sessionmaker):
    user(session, "super1", role="supervisor")
    result = runner.invoke(args=["users", "token", "super1", "--scope", "tickets:read", "--scope", "stats:read", "--name", "grafana"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("pt_") and "\n" not in token
    with sessionmaker() as s:
        holder, scopes = users.token_user(s, token)
        assert holder.username == "super1" and scopes == {"tickets:read", "stats:read"}
        row = s.scalar(sa.select(ApiToken))
        assert (row.name, row.token_hash != token) == ("grafana", True)  # only its hash is kept


def test_token_beyond_the_role_is_refused_and_none_is_stored(runner, session, sessionmaker):
    user(session, "agen1")
    result = runner.invoke(args=["users", "token", "agen1", "--scope", "stats:read"])
    assert result.exit_code == 1 and "Error: role agent may not hold scopes: stats:read" in result.output
    with sessionmaker() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
