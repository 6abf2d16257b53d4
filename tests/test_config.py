"""Configuration: the example file is the defaults; errors name file, key and type."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gateway.config import load_settings, parse_settings, read_secret
from gateway.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[1]


def test_example_file_equals_builtin_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """config.example.toml documents exactly the built-in defaults."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GATEWAY_CONFIG", raising=False)
    example = load_settings(PROJECT / "config.example.toml")
    defaults = load_settings()
    assert example.model_dump(exclude={"base_dir"}) == defaults.model_dump(exclude={"base_dir"})


def test_every_section_of_the_example_is_documented():
    """Each key of the example has a comment telling what it does."""
    data = tomllib.loads((PROJECT / "config.example.toml").read_text(encoding="utf-8"))
    assert {"storage", "smtp", "outgoing", "rules", "pipeline", "organisations"} <= set(data)


def test_unknown_key_is_named_with_its_file_and_path(tmp_path: Path):
    """A typo in a key is an error naming the file and the key path."""
    path = tmp_path / "gateway.toml"
    path.write_text('[smtp]\nlisten_adress = "127.0.0.1:25"\n')
    with pytest.raises(ConfigError, match=r"gateway.toml: smtp.listen_adress: unknown key"):
        load_settings(path)


def test_wrong_type_is_named_with_expected_type(tmp_path: Path):
    """A string where a number is expected says which key and what type."""
    path = tmp_path / "gateway.toml"
    path.write_text('[smtp]\nmax_message_size = "25MB"\n')
    with pytest.raises(
        ConfigError, match=r"smtp.max_message_size: Input should be a valid integer"
    ):
        load_settings(path)


def test_mailbox_in_two_organisations_is_refused():
    """One official mailbox cannot belong to two organisations."""
    org = {"name": "X", "system": "state", "mailboxes": ["a@b.vn"]}
    data = {"organisations": [{"code": "a", **org}, {"code": "b", **org}]}
    with pytest.raises(ConfigError, match="belongs to both"):
        parse_settings(data, "t.toml", Path("."))


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path):
    """storage.root = "archive" means next to the configuration file, wherever we run."""
    path = tmp_path / "conf" / "gateway.toml"
    path.parent.mkdir()
    path.write_text('[storage]\nroot = "data"\n')
    assert load_settings(path).data_root == tmp_path / "conf" / "data"


def test_secret_from_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Secrets come from a file or an environment variable, never only literals."""
    settings = parse_settings({}, "t", tmp_path)
    (tmp_path / "pass").write_text("s3cret\n")
    assert read_secret(settings, literal="", file="pass", env="", what="x") == "s3cret"
    monkeypatch.setenv("GW_PASS", "from-env")
    assert read_secret(settings, literal="", file="", env="GW_PASS", what="x") == "from-env"
    with pytest.raises(ConfigError, match="GW_MISSING is not set"):
        read_secret(settings, literal="", file="", env="GW_MISSING", what="x")
