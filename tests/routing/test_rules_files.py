"""rules/ files: `rules check` names file, line and key; reload keeps the last good rules."""

from __future__ import annotations

import os
from pathlib import Path

from gateway.routing.rules import check_rules, current_rules
from tests.routing.helpers import copy_rules
from tests.support.gateway_process import run
from tests.support.settings import write_config


def test_shipped_rules_are_valid():
    """The rules shipped in rules/ pass the check."""
    rules, issues = check_rules(Path(__file__).resolve().parents[2] / "rules")
    assert issues == [] and rules is not None


def test_errors_name_file_line_and_key(tmp_path: Path):
    """A wrong value, an unknown unit and a bad regex are each reported at their line."""
    folder = copy_rules(tmp_path / "rules")
    (folder / "routing.toml").write_text(
        '[[rule]]\nid = "a"\n[rule.when]\nurgency = ["soon"]\n'
        '[[rule]]\nid = "b"\n[rule.assign]\nlead = "khong-co"\n', "utf-8")  # fmt: skip
    _, issues = check_rules(folder)
    assert [(Path(i.file).name, i.line, i.key) for i in issues] == [
        ("routing.toml", 4, "rule.0.when.urgency.0")]
    (folder / "routing.toml").write_text(
        '[[rule]]\nid = "a"\n\n[[rule]]\nid = "b"\n[rule.assign]\nlead = "khong-co"\n'
        '[rule.when]\nsubject_matches = ["(("]\n', "utf-8")  # fmt: skip
    _, issues = check_rules(folder)
    assert (issues[0].line, issues[0].key) == (9, "rule.1.when.subject_matches")
    (folder / "routing.toml").write_text(
        '[[rule]]\nid = "a"\n\n[[rule]]\nid = "b"\n[rule.assign]\nlead = "khong-co"\n', "utf-8")
    _, issues = check_rules(folder)
    assert (issues[0].line, issues[0].key) == (7, "rule.1.assign.lead")
    assert "khong-co" in issues[0].message


def test_rules_check_command(tmp_path: Path):
    """`gateway rules check` exits 1 and prints file:line: key on a broken file, 0 when fixed."""
    folder = copy_rules(tmp_path / "rules")
    config = write_config(tmp_path)
    assert run(config, "rules", "check").returncode == 0
    (folder / "directory.toml").write_text(
        '[[unit]]\ncode = "x"\norg = "huyenuy-meovac"\nname = "X"\nemail = "x@y.vn"\n'
        'head = "ai-do"\n', "utf-8")  # fmt: skip
    result = run(config, "rules", "check", check=False)
    assert result.returncode == 1
    assert "directory.toml:6: unit.0.head" in result.stdout.decode()


def test_invalid_change_keeps_last_good_rules(tmp_path: Path):
    """Reload on change; an invalid file keeps the last good rules and records why."""
    from gateway.routing import rules as module

    folder = copy_rules(tmp_path / "rules")
    first = current_rules(folder)
    path = folder / "routing.toml"
    path.write_text(path.read_text("utf-8") + "\n[[rule]]\nid = \"Sai Id\"\n", "utf-8")
    os.utime(path, ns=(1, 1))
    assert current_rules(folder) is first
    assert "rule" in module.last_error[folder] and "routing.toml" in module.last_error[folder]
    path.write_text(path.read_text("utf-8").replace('"Sai Id"', '"moi"'), "utf-8")
    os.utime(path, ns=(2, 2))
    reloaded = current_rules(folder)
    assert reloaded is not first and reloaded.rules[-1].id == "moi"
