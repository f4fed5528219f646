"""The password rules' reasons on the team page, in the reader's language (issue 18)."""
from __future__ import annotations


def test_the_team_page_says_why_in_the_readers_language(client, auth, supervisor):
    auth.login("supervisor1")
    page = auth.post("/supervisor/team", {"username": "budi", "password": "aaaaaaaaaa", "role": "agent"}, follow_redirects=True)
    assert "Kata sandi terlalu mudah ditebak (kekuatan 0 dari 4, perlu 3)." in page.get_data(as_text=True)
    client.post("/language", data={"lang": "en", "csrf_token": auth.token})
    page = auth.post("/supervisor/team", {"username": "budi", "password": "budi-is-my-name", "role": "agent"}, follow_redirects=True)
    assert "The password must not contain the username or the name." in page.get_data(as_text=True)
