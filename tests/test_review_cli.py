"""Given `labctl review` over the dev stack and broken inputs, the formats and exit codes hold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from labctl.cli import main
from policy.rules import EXEMPT_PREFIX, RULES

SARIF_LEVELS = {"none", "note", "warning", "error"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render") / "dev"
    assert main(["render", "--stack", "dev", "--out", str(out)]) == 0
    return out


def annotated(objects: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(kind, name, rule) of every exemption annotation, read from the manifests themselves."""
    return {
        (obj["kind"], obj["metadata"]["name"], key.removeprefix(EXEMPT_PREFIX))
        for obj in objects
        for key in obj["metadata"].get("annotations", {})
        if key.startswith(EXEMPT_PREFIX)
    }


def test_the_dev_stack_has_no_mandatory_violation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "review", "--stack", "dev", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["summary"]["passed"] is True
    assert [f for f in report["findings"] if f["status"] == "fail"] == []


def test_the_rendered_dev_tree_passes_and_its_exemptions_match_the_annotations(
    capsys: pytest.CaptureFixture[str], rendered: Path
) -> None:
    code, out, _ = run(capsys, "review", "--dir", str(rendered), "--format", "json")
    report = json.loads(out)
    assert code == 0
    objects = [doc for path in sorted(rendered.glob("*/*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]
    exempted = {
        (f["object"]["kind"], f["object"]["name"], f["rule"]) for f in report["findings"] if f["status"] == "exempted"
    }
    assert exempted == annotated(objects)
    assert all(f["exemption"]["reason"] for f in report["findings"] if f["status"] == "exempted")
    # The tree leaves each MySQL Secret out on purpose, and the Deployment says it is made by hand.
    assert ("Deployment", "mysql", "secret-ref-resolves") in exempted
    assert [f for f in report["findings"] if f["status"] == "warn"] == []


def test_the_table_shows_exemptions_and_the_verdict(capsys: pytest.CaptureFixture[str], rendered: Path) -> None:
    code, out, _ = run(capsys, "review", "--dir", str(rendered))
    assert code == 0
    assert "EXEMPTED" in out and f"exempted by annotation {EXEMPT_PREFIX}liveness-restarts" in out
    assert out.rstrip().splitlines()[-1].startswith("review passed: 0 mandatory violation(s)")


def test_sarif_is_2_1_0_with_exemptions_as_suppressions(capsys: pytest.CaptureFixture[str], rendered: Path) -> None:
    code, out, _ = run(capsys, "review", "--dir", str(rendered), "--format", "sarif")
    sarif = json.loads(out)
    assert code == 0 and sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    [sarif_run] = sarif["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.id for rule in RULES]
    assert all(rule["helpUri"].startswith("https://") for rule in rules)
    results = sarif_run["results"]
    assert results
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in SARIF_LEVELS and result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert (Path(physical["artifactLocation"]["uri"])).is_file()
        assert physical["region"]["startLine"] >= 1
    suppressed = [r for r in results if r.get("suppressions")]
    assert suppressed and all(
        s["kind"] == "inSource" and EXEMPT_PREFIX in s["justification"] for r in suppressed for s in r["suppressions"]
    )
    assert [r["ruleId"] for r in results if not r.get("suppressions")] == []


def test_a_config_file_changes_an_enforcement_level(
    capsys: pytest.CaptureFixture[str], rendered: Path, tmp_path: Path
) -> None:
    # A copy of the tree whose MySQL Deployments do not declare their Secret as made by hand.
    tree = tmp_path / "tree"
    shutil.copytree(rendered, tree)
    for path in tree.rglob("40-secret-mysql.yaml"):
        documents = list(yaml.safe_load_all(path.read_text()))
        for doc in documents:
            doc["metadata"].get("annotations", {}).pop(f"{EXEMPT_PREFIX}secret-ref-resolves", None)
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    rendered = tree
    code, out, _ = run(capsys, "review", "--dir", str(rendered), "--format", "summary")
    assert code == 0, "secret-ref-resolves is advisory by default"
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"secret-ref-resolves": "mandatory"}))
    code, out, _ = run(capsys, "review", "--dir", str(rendered), "--config", str(config), "--format", "summary")
    assert code == 1 and out.startswith("review FAILED")
    config.write_text(json.dumps({"secret-ref-resolves": {"external": ["mysql-password"]}}))
    code, out, _ = run(capsys, "review", "--dir", str(rendered), "--config", str(config), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["summary"]["advisory"] == 0
    external = [f for f in report["findings"] if f["rule"] == "secret-ref-resolves"]
    assert external and all(f["status"] == "exempted" and "config" in f["exemption"]["source"] for f in external)


def test_a_bad_config_is_named_and_exits_2_without_traceback(
    capsys: pytest.CaptureFixture[str], rendered: Path, tmp_path: Path
) -> None:
    config = tmp_path / "policy-config.yaml"
    config.write_text("image-pined: mandatory\n")
    code, out, err = run(capsys, "review", "--dir", str(rendered), "--config", str(config))
    assert code == 2 and out == ""
    assert "image-pined" in err and "image-pinned" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("kind: Pod\nmetadata: {name: x\n", "not valid YAML"),
        ("just: a mapping\n", "not a Kubernetes object"),
    ],
)
def test_a_broken_tree_exits_2_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "broken.yaml").write_text(content)
    code, _, err = run(capsys, "review", "--dir", str(tmp_path))
    assert code == 2 and expected in err and "broken.yaml" in err and "Traceback" not in err


def test_a_missing_folder_or_no_source_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "review", "--dir", str(tmp_path / "absent"))[0] == 2
    assert run(capsys, "review")[0] == 2


def test_generated_passwords_never_reach_the_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "with-secrets"
    assert main(["render", "--stack", "dev", "--out", str(out_dir), "--include-secrets"]) == 0
    capsys.readouterr()
    passwords = [
        doc["stringData"]["password"]
        for path in out_dir.rglob("05-secrets.yaml")
        for doc in yaml.safe_load_all(path.read_text())
    ]
    assert passwords
    for output_format in ("table", "json", "sarif", "summary"):
        code, out, _ = run(capsys, "review", "--dir", str(out_dir), "--format", output_format)
        assert code == 0 and not any(password in out for password in passwords)


def test_list_rules_names_every_rule_with_its_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "review", "--list-rules")
    assert code == 0 and all(rule.id in out and rule.url in out for rule in RULES)
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("image-end-of-life "))
    assert lines[row].split()[1:3] == ["high", "mandatory"]
    assert lines[row + 1].split()[0] == "patterns" and '"python:2.*"' in lines[row + 1]
    assert "sysctls a pod may set" in out and "allowed (default null)" in out


def test_list_rules_in_json_is_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "review", "--list-rules", "--format", "json")
    listed = json.loads(out)["rules"]
    assert code == 0 and [entry["id"] for entry in listed] == [rule.id for rule in RULES]
    for entry, rule in zip(listed, RULES, strict=True):
        assert (entry["severity"], entry["default"], entry["url"]) == (
            rule.severity.value,
            rule.enforcement.value,
            rule.url,
        )
        assert (entry["title"], entry["scope"], entry["standard"], entry["description"]) == (
            rule.title,
            rule.scope,
            rule.standard,
            rule.description,
        )
        assert [parameter["name"] for parameter in entry["parameters"]] == [
            field.alias for field in rule.params.model_fields.values()
        ]
    by_id = {entry["id"]: entry for entry in listed}
    assert by_id["secret-ref-resolves"]["parameters"] == [
        {
            "name": "external",
            "default": [],
            "description": "Secrets created by hand, as name or namespace/name: reported as exempted",
        }
    ]
    assert by_id["exemption-well-formed"]["default"] == "mandatory"
    assert by_id["pss-baseline-host-probes"]["severity"] == "high"


@pytest.mark.parametrize("output_format", ["sarif", "summary"])
def test_list_rules_refuses_a_format_it_cannot_print(capsys: pytest.CaptureFixture[str], output_format: str) -> None:
    code, out, err = run(capsys, "review", "--list-rules", "--format", output_format)
    assert code == 2 and out == "" and "table or json" in err and "Traceback" not in err
