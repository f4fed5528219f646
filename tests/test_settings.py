"""Instagram settings come from the environment, in the one settings module."""
from __future__ import annotations

from pathlib import Path

import pytest

from triage.classifier.keyword_rules import KeywordRuleClassifier
from triage.settings import load_settings


def test_instagram_settings_from_env(tmp_path):
    env = {"TRIAGE_SECRET_KEY": "k", "TRIAGE_INSTANCE_PATH": str(tmp_path),
           "TRIAGE_INSTAGRAM_PROFILES": " @Prakerja.Go.Id, kemnaker ,prakerja.go.id",
           "TRIAGE_INSTAGRAM_OWN_ACCOUNT": "@Prakerja.Ops", "TRIAGE_INSTAGRAM_LAST_POSTS": "30",
           "TRIAGE_INSTAGRAM_MAX_POST_AGE_DAYS": "14", "TRIAGE_INSTAGRAM_REQUEST_BUDGET": "150"}
    s = load_settings(env)
    assert s.instagram_profiles == ("prakerja.go.id", "kemnaker")
    assert s.instagram_own_account == "prakerja.ops"
    assert s.instagram_session_file is not None and s.instagram_session_file.name == "session-prakerja.ops"
    assert (s.instagram_last_posts, s.instagram_max_post_age_days, s.instagram_request_budget) == (30, 14, 150)
    explicit = load_settings({**env, "TRIAGE_INSTAGRAM_SESSION_FILE": str(tmp_path / "ig.session")})
    assert explicit.instagram_session_file == tmp_path / "ig.session"
    with pytest.raises(ValueError, match="TRIAGE_INSTAGRAM_LAST_POSTS"):
        load_settings({**env, "TRIAGE_INSTAGRAM_LAST_POSTS": "many"})


def test_defaults_read_no_instagram(tmp_path):
    s = load_settings({"TRIAGE_SECRET_KEY": "k", "TRIAGE_INSTANCE_PATH": str(tmp_path)})
    assert s.instagram_profiles == () and s.instagram_session_file is None


def test_every_instagram_setting_is_documented():
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    for name in ("PROFILES", "OWN_ACCOUNT", "SESSION_FILE", "LAST_POSTS", "MAX_POST_AGE_DAYS", "REQUEST_BUDGET"):
        assert f"TRIAGE_INSTAGRAM_{name}=" in example


def test_pure_noise_is_confident_but_noise_with_an_ask_is_not():
    rules = KeywordRuleClassifier()
    praise, tagged, asking = rules.predict(["Mantap, sukses terus!", "@budi @sari", "terima kasih, tapi insentif belum masuk"])
    assert (praise.label, praise.needs_review) == ("noise", False)
    assert (tagged.label, tagged.needs_review) == ("noise", False)
    assert asking.label == "missing_incentive"


def test_group_and_surge_settings_from_env_and_documented(tmp_path):
    env = {"TRIAGE_SECRET_KEY": "k", "TRIAGE_INSTANCE_PATH": str(tmp_path)}
    s = load_settings(env)
    assert (s.grouping, s.group_window_hours, s.group_min_size, s.surge_min_size, s.surge_alert_to) == (True, 72, 5, 10, ())
    s = load_settings({**env, "TRIAGE_GROUPING": "0", "TRIAGE_GROUP_WINDOW_HOURS": "24", "TRIAGE_GROUP_MIN_SIZE": "20",
                       "TRIAGE_SURGE_MIN_SIZE": "50", "TRIAGE_SURGE_ALERT_TO": " spv1@prakerja.example, spv2@prakerja.example ,"})
    assert (s.grouping, s.group_window_hours, s.group_min_size, s.surge_min_size) == (False, 24, 20, 50)
    assert s.surge_alert_to == ("spv1@prakerja.example", "spv2@prakerja.example")
    with pytest.raises(ValueError, match="TRIAGE_SURGE_ALERT_TO"):
        load_settings({**env, "TRIAGE_SURGE_ALERT_TO": "supervisor"})
    with pytest.raises(ValueError, match="TRIAGE_GROUP_MIN_SIZE"):
        load_settings({**env, "TRIAGE_GROUP_MIN_SIZE": "1"})
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    for name in ("GROUPING", "GROUP_WINDOW_HOURS", "GROUP_MIN_SIZE", "SURGE_MIN_SIZE", "SURGE_ALERT_TO"):
        assert f"TRIAGE_{name}=" in example
