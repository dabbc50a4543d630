"""Given hand-ins and trees built to exhaust labctl (YAML alias bombs, deep nesting, huge files, links
out of the folder, a broken file among good ones), when `labctl check` or `labctl review --dir` reads
them, then each bad file is refused quickly and named with its line and the limit, nothing outside
the folder given is read, and every other file is still judged.

The runs that a regression could turn into minutes of CPU and gigabytes of memory go to a child
process with 1 GiB of address space and a timeout; it reports its own CPU time and peak memory.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from labctl.check.command import read_hand_in
from labctl.cli import main
from labctl.manifest_files import HAND_IN, Limits, Reader, Unreadable
from labctl.review.sources import from_tree
from tests.conftest import ROOT

GIB = 1 << 30
CHECK = ("check", "--stack", "dev", "--project-dir", str(ROOT), "--student", "student-1", "--verbose")
ALIASES = "expands to more than 100,000 nodes through YAML aliases, the most one document may build"
DEEP = "nested more than 100 levels deep, the most one document may be"
LARGE = "larger than 1 MiB (1,048,576 bytes), the most labctl reads from one file"
NOT_READ = "file not read"

# The classic "billion laughs": nine lists of nine aliases to the list before, 9**9 strings in all.
BOMB = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n"
    '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10))
)
# The same under a merge key, which PyYAML's own constructor builds (sharing what aliases repeat).
MERGE_BOMB = BOMB.replace("data:\n", "data:\n  <<: {base: x}\n")
CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\ndata: {key: value}\n"
# A tree the policy passes: a ConfigMap in a namespace of its own.
NAMESPACED = (
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: lab}\n---\n"
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine, namespace: lab}\ndata: {key: value}\n"
)
REDIS = (ROOT / "tests" / "fixtures" / "student" / "correct" / "redis.yaml").read_text()


def deep_yaml(levels: int) -> str:
    """A ConfigMap whose data nests `levels` mappings, one per line from line 5: level k opens on line k + 3."""
    nested = "".join("  " * depth + "a:\n" for depth in range(1, levels)) + "  " * levels + "a: bottom\n"
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n" + nested


def deep_json(levels: int) -> str:
    return '{"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": ' + "[" * levels + "]" * levels + "}}"


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    cpu_seconds: float
    peak_mib: float


# The peak is the process's own (VmHWM): ru_maxrss would keep the pytest worker's, which it forked from.
CHILD = """\
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({gib}, {gib}))
from labctl.cli import main
code = main(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_SELF)
with open("/proc/self/status") as status:
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
with open(sys.argv[1], "w") as report:
    report.write(f"{{usage.ru_utime + usage.ru_stime}} {{peak_kib / 1024}}")
sys.exit(code)
"""


def labctl_bounded(tmp_path: Path, *args: str, timeout: float = 30) -> Ran:
    """labctl in a child process with 1 GiB of address space, killed after `timeout` seconds."""
    usage = tmp_path / "usage.txt"
    result = subprocess.run(
        [sys.executable, "-c", CHILD.format(gib=GIB), str(usage), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    cpu, peak = (float(number) for number in usage.read_text().split())
    return Ran(result.returncode, result.stdout, result.stderr, cpu, peak)


def not_read(file: Path | str, line: int | None, problem: str) -> str:
    """How `labctl check` prints a file it did not read."""
    where = f"{file}:{line}" if line else str(file)
    return f"REQUIRED  {where}  {NOT_READ}\n          {problem}\n"


def hand_in(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "hand-in"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.mark.parametrize("bomb", [BOMB, MERGE_BOMB], ids=["aliases", "merge-keys"])
def test_given_an_alias_bomb_when_checked_then_it_is_refused_in_bounded_time_and_memory(
    tmp_path: Path, bomb: str
) -> None:
    folder = hand_in(tmp_path, {"bomb.yaml": bomb, "redis.yaml": REDIS})
    ran = labctl_bounded(tmp_path, *CHECK, str(folder))
    assert "Traceback" not in ran.err
    assert ran.code == 1 and not_read(folder / "bomb.yaml", 1, ALIASES) in ran.out
    assert "redis.yaml:10  Pod/redis" in ran.out
    assert ran.cpu_seconds < 2 and ran.peak_mib < 300


@pytest.mark.parametrize("bomb", [BOMB, MERGE_BOMB], ids=["aliases", "merge-keys"])
def test_given_an_alias_bomb_in_a_tree_when_reviewed_then_it_is_refused_in_bounded_time_and_memory(
    tmp_path: Path, bomb: str
) -> None:
    tree = hand_in(tmp_path, {"bomb.yaml": bomb, "fine.yaml": CONFIG_MAP})
    ran = labctl_bounded(tmp_path, "review", "--dir", str(tree), "--format", "json")
    assert "Traceback" not in ran.err
    report = json.loads(ran.out)
    assert ran.code == 2 and report["unread"] == [{"file": "bomb.yaml", "line": 1, "problem": ALIASES}]
    assert report["objects"] == 1 and report["summary"]["passed"] is False
    assert f"labctl review: bomb.yaml:1: {ALIASES}" in ran.err
    assert ran.cpu_seconds < 2 and ran.peak_mib < 300


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("deep.yaml", deep_yaml(500), 104),
        ("deep.json", deep_json(500), 1),
        ("deeper.json", deep_json(100_000), 1),
        ("self.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: self}\ndata: &loop\n  again: *loop\n", 4),
    ],
)
def test_given_nesting_past_100_levels_when_checked_and_reviewed_then_the_file_is_refused_without_traceback(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    folder = hand_in(tmp_path, {name: text, "redis.yaml": REDIS})
    checked = labctl_bounded(tmp_path, *CHECK, str(folder))
    assert "Traceback" not in checked.err and checked.code == 1
    assert not_read(folder / name, line, DEEP) in checked.out and "Pod/redis" in checked.out
    reviewed = labctl_bounded(tmp_path, "review", "--dir", str(folder))
    assert "Traceback" not in reviewed.err and reviewed.code == 2
    assert f"NOT READ  {name}:{line}\n          {DEEP}\n" in reviewed.out
    assert "over 2 objects of" in reviewed.out  # the ConfigMap and the Pod of redis.yaml


def test_given_a_file_over_1_mib_when_checked_then_it_is_refused_naming_it_and_the_limit(tmp_path: Path) -> None:
    big = CONFIG_MAP + "# " + "x" * (1 << 20) + "\n"
    folder = hand_in(tmp_path, {"big.yaml": big, "redis.yaml": REDIS})
    ran = labctl_bounded(tmp_path, *CHECK, "--format", "json", str(folder))
    assert ran.code == 1 and "Traceback" not in ran.err
    findings = json.loads(ran.out)["findings"]
    refused = [f for f in findings if f["file"] == str(folder / "big.yaml")]
    assert [(f["level"], f["line"], f["found"]) for f in refused] == [("required", None, LARGE)]
    assert any(f["object"] == "Pod/redis" for f in findings)


def test_given_a_file_over_1_mib_in_a_tree_when_reviewed_then_it_is_refused_and_the_rest_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hand_in(tmp_path, {"big.json": json.dumps({"pad": "x" * (1 << 20)}), "fine.yaml": NAMESPACED})
    assert main(["review", "--dir", str(tree), "--format", "summary"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("review INCOMPLETE: 0 mandatory violation(s)")
    assert f"  not read: big.json: {LARGE}\n" in out
    assert err == f"labctl review: big.json: {LARGE}\nlabctl review: 1 file of {tree} not read; the rest was reviewed\n"


def test_given_a_file_larger_than_its_stat_said_when_read_then_at_most_the_cap_is_read_and_it_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing.yaml"
    path.write_text(CONFIG_MAP + "# " + "x" * 5000 + "\n")
    reads: list[int] = []
    real_read, real_fstat = os.read, os.fstat

    def fstat_before_it_grew(fd: int) -> os.stat_result:
        fields = list(real_fstat(fd))
        fields[6] = 10  # st_size
        return os.stat_result(fields)

    def counted_read(fd: int, size: int) -> bytes:
        reads.append(size)
        return real_read(fd, size)

    monkeypatch.setattr("labctl.manifest_files.os.fstat", fstat_before_it_grew)
    monkeypatch.setattr("labctl.manifest_files.os.read", counted_read)
    reader = Reader(Limits("hand-in", run_bytes=1 << 20, run_nodes=1000, file_bytes=1000))
    with pytest.raises(Unreadable) as refused:
        reader.documents(path)
    assert str(refused.value) == f"{path}: larger than 1,000 bytes, the most labctl reads from one file"
    assert sum(reads) <= 1001


def test_given_files_past_the_run_totals_when_read_then_those_are_refused_and_later_small_ones_read(
    tmp_path: Path,
) -> None:
    folder = hand_in(
        tmp_path,
        {"a.yaml": CONFIG_MAP, "b.yaml": CONFIG_MAP + "# " + "x" * 400 + "\n", "c.yaml": CONFIG_MAP},
    )
    limits = Limits("hand-in", run_bytes=400, run_nodes=HAND_IN.run_nodes)
    submitted, unread = read_hand_in([folder], limits)
    assert [Path(item.file).name for item in submitted] == ["a.yaml", "c.yaml"]
    assert [str(problem) for problem in unread] == [
        f"{folder / 'b.yaml'}: with the files read before it, more than 400 bytes, the most labctl reads "
        "from one hand-in"
    ]
    submitted, unread = read_hand_in([folder], Limits("hand-in", run_bytes=1 << 20, run_nodes=20))
    assert [Path(item.file).name for item in submitted] == ["a.yaml"]
    past = "with the files read before it, more than 20 nodes, the most labctl builds from one hand-in"
    # b.yaml is refused where it passes the budget; c.yaml, once it is spent, before it is parsed
    assert [str(problem) for problem in unread] == [f"{folder / 'b.yaml'}:1: {past}", f"{folder / 'c.yaml'}: {past}"]


def test_given_a_document_of_more_nodes_than_the_budget_without_aliases_then_it_is_refused_as_too_large(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text(CONFIG_MAP + "---\n" + "[" + ", ".join(["x"] * 100_000) + "]\n")
    with pytest.raises(Unreadable) as refused:
        Reader(HAND_IN).documents(path)
    assert str(refused.value) == f"{path}:6: holds more than 100,000 nodes, the most one document may build"


def test_given_a_broken_file_and_a_good_one_when_checked_then_the_good_one_is_graded_and_the_broken_one_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = hand_in(tmp_path, {"broken.yaml": "kind: Pod\nmetadata:\n  name: x\n   bad: [\n", "redis.yaml": REDIS})
    assert main([*CHECK, str(folder)]) == 1
    out = capsys.readouterr().out
    problem = "not valid YAML (mapping values are not allowed in this context)"
    assert out.startswith(not_read(folder / "broken.yaml", 4, problem))
    assert f"ADVICE    {folder / 'redis.yaml'}:10  Pod/redis" in out
    # the file not read, and the six objects of the four labs not handed in; Redis's advice is on
    # what the sheet does not ask for (listed with --verbose)
    assert out.endswith("check FAILED for student-1: 7 required, 0 advice\n")


DIGITS = (
    "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; "
    "use sys.set_int_max_str_digits() to increase the limit"
)
NO_PARSER_ACCEPTS = [
    ("object.yaml", "just: a mapping\n", "not a Kubernetes object (a mapping with apiVersion and kind)"),
    (
        "date.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {date: 2026-13-01}\n",
        "not valid YAML (month must be in 1..12)",
    ),
    (
        "int.yaml",
        "apiVersion: v1\nkind: Pod\nx: !!int abc\n",
        "not valid YAML (invalid literal for int() with base 10: 'abc')",
    ),
    ("digits.json", '{"apiVersion": "v1", "kind": "Pod", "n": ' + "1" * 5000 + "}", f"not valid JSON ({DIGITS})"),
]


@pytest.mark.parametrize(("name", "text", "problem"), NO_PARSER_ACCEPTS, ids=[name for name, *_ in NO_PARSER_ACCEPTS])
def test_given_a_file_no_parser_accepts_when_reviewed_then_it_is_named_and_the_rest_is_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, problem: str
) -> None:
    tree = hand_in(tmp_path, {name: text, "fine.yaml": CONFIG_MAP})
    assert main(["review", "--dir", str(tree)]) == 2
    out, err = capsys.readouterr()
    assert out.startswith(f"NOT READ  {name}:1\n          {problem}\n\n")
    assert "over 1 objects of" in out and "Traceback" not in err


def secrets(tmp_path: Path) -> Path:
    instructor = tmp_path / "instructor"
    instructor.mkdir()
    (instructor / "answers.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: answers-7f3c9}\nstringData: {password: hunter2-7f3c9}\n"
    )
    return instructor


def test_given_links_to_outside_the_hand_in_when_checked_then_they_are_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instructor = secrets(tmp_path)
    folder = hand_in(tmp_path, {"redis.yaml": REDIS})
    (folder / "steal.yaml").symlink_to(instructor / "answers.yaml")
    (folder / "relative.yml").symlink_to(Path("..") / "instructor" / "answers.yaml")
    (folder / "peek").symlink_to(instructor, target_is_directory=True)
    (folder / "same.yaml").symlink_to("redis.yaml")  # a link inside the hand-in is read
    assert main([*CHECK, "--format", "json", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "7f3c9" not in out + err
    findings = json.loads(out)["findings"]
    refused = [(f["file"], f["line"], f["found"]) for f in findings if f["object"] == ""]
    link = "a link to outside the hand-in, not read"
    assert refused == [(str(folder / "relative.yml"), None, link), (str(folder / "steal.yaml"), None, link)]
    assert {f["file"] for f in findings if f["object"] == "Pod/redis"} >= {str(folder / "redis.yaml")}


def test_given_a_file_given_by_name_that_links_out_of_its_folder_when_checked_then_it_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instructor = secrets(tmp_path)
    folder = hand_in(tmp_path, {})
    (folder / "steal.yaml").symlink_to(instructor / "answers.yaml")
    assert main([*CHECK, str(folder / "steal.yaml")]) == 1
    out, err = capsys.readouterr()
    assert "7f3c9" not in out + err
    assert out.startswith(not_read(folder / "steal.yaml", None, "a link to outside the hand-in, not read"))


def test_given_links_out_of_a_tree_when_reviewed_then_they_are_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instructor = secrets(tmp_path)
    tree = hand_in(tmp_path, {"fine.yaml": CONFIG_MAP})
    (tree / "student-2").mkdir()
    (tree / "student-2" / "steal.yaml").symlink_to(instructor / "answers.yaml")
    (tree / "peek").symlink_to(instructor, target_is_directory=True)
    assert main(["review", "--dir", str(tree), "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert "7f3c9" not in out + err and "answers" not in out + err
    report = json.loads(out)
    assert report["unread"] == [
        {"file": "student-2/steal.yaml", "line": None, "problem": "a link to outside the tree, not read"}
    ]
    assert report["objects"] == 1


def test_given_a_broken_tree_when_reviewed_as_sarif_then_the_unread_file_is_a_failed_execution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = hand_in(tmp_path, {"bad.yaml": "kind: [\n", "fine.yaml": CONFIG_MAP})
    assert main(["review", "--dir", str(tree), "--format", "sarif"]) == 2
    [run] = json.loads(capsys.readouterr().out)["runs"]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert re.fullmatch(r"not valid YAML \(.+\)", notification["message"]["text"])
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f"{tree}/bad.yaml"


def test_given_the_seed_manifests_when_reviewed_then_every_file_is_read() -> None:
    """Real manifests are far inside every limit."""
    reviewed = from_tree(ROOT / "tests" / "fixtures" / "seed")
    assert reviewed.objects and reviewed.unread == []
