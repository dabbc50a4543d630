"""One measurement in a fresh process: `python -m bench.worker KIND STUDENTS OUT` prints JSON.

Peak memory is this process's maximum resident set (imports included), so every kind pays the
same interpreter and library baseline; time covers the work only, after imports.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_random as random
import yaml

from components import Classroom, ClassroomArgs
from components.environment import FOR_LABS
from components.manifests import register
from config import Plan, load
from config.sources import apply_sets, from_stack_file
from labctl import cli
from labctl.render.command import environment_files
from labs.catalog import build_lab
from labs.environment import build_environment, build_isolation
from tests.harness import run_program

ROOT = Path(__file__).resolve().parent.parent


def class_config(students: int) -> dict[str, Any]:
    return apply_sets(from_stack_file(ROOT / "Pulumi.dev.yaml"), [f"classroom.students={students}"])


def plan_of(students: int) -> Plan:
    return load(class_config(students))


def render(students: int, out: Path) -> Callable[[], None]:
    argv = ["render", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)]
    argv += ["--set", f"classroom.students={students}"]

    def work() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(argv) == 0

    return work


def floor(students: int, out: Path) -> Callable[[], None]:
    """The same config, dicts and files as render, dumped by PyYAML's C dumper; no staging, no swap."""
    raw = class_config(students)

    def work() -> None:
        plan = load(raw)
        out.mkdir()
        for env in plan.environments:
            folder = out / env.name
            folder.mkdir()
            for name, manifests in environment_files(env).items():
                text = yaml.dump_all(manifests, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False)
                (folder / name).write_text(text)

    return work


def review_stack(students: int, out: Path) -> Callable[[], None]:
    """`labctl review --stack dev` for the class: builds the manifests in memory and reviews them."""
    argv = ["review", "--stack", "dev", "--project-dir", str(ROOT), "--format", "summary"]
    return _quietly([*argv, "--set", f"classroom.students={students}"])


def review_dir(students: int, out: Path) -> Callable[[], None]:
    """`labctl review --dir` over the same class rendered beforehand (the render is not timed)."""
    render(students, out)()
    return _quietly(["review", "--dir", str(out), "--format", "summary"])


def _quietly(argv: list[str]) -> Callable[[], None]:
    def work() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(argv) == 0

    return work


def components(students: int, out: Path) -> Callable[[], None]:
    plan = plan_of(students)

    def program() -> None:
        Classroom("classroom", ClassroomArgs(environments=plan.environments))

    return lambda: _registered(run_program(program), plan)


def direct(students: int, out: Path) -> Callable[[], None]:
    """The same manifests, names, ordering and generated passwords, registered without any component."""
    plan = plan_of(students)

    def program() -> None:
        for env in plan.environments:
            isolation = register(env.name, build_isolation(env), None)
            for_labs = [resource for key, resource in isolation.items() if key.split("/")[0] in FOR_LABS]
            generated = random.RandomPassword(f"{env.name}-mysql-root-password", length=24, special=False)
            password: pulumi.Output[str] = pulumi.Output.secret(generated.result)
            for key, args in env.labs.items():
                register(env.name, build_lab(key, args, password), None, for_labs)

    return lambda: _registered(run_program(program), plan)


def program(students: int, out: Path) -> Callable[[], None]:
    """The real __main__.py with the stack config, as `pulumi up` would run it (under mocks)."""
    import runpy

    config = class_config(students)
    return lambda: _registered(
        run_program(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="k8s_labs_program"), config), None
    )


def _registered(run: Any, plan: Plan | None) -> None:
    kubernetes = run.kubernetes()
    assert kubernetes, "nothing registered"
    if plan is not None:
        expected = sum(len(build_environment(env, "x")) for env in plan.environments)
        assert len(kubernetes) == expected, (len(kubernetes), expected)


KINDS_OF_WORK = {
    "render": render,
    "floor": floor,
    "components": components,
    "direct": direct,
    "program": program,
    "review-stack": review_stack,
    "review-dir": review_dir,
}


def main() -> None:
    kind, students, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    work = KINDS_OF_WORK[kind](students, out)
    collecting = GcClock()
    gc.callbacks.append(collecting)
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    gc.callbacks.remove(collecting)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"kind": kind, "students": students, "seconds": seconds, "gc_seconds": collecting.seconds}
    print(json.dumps(result | {"peak_kib": peak_kib}))


class GcClock:
    """Time spent in the cyclic garbage collector, which grows with everything a run keeps alive."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


if __name__ == "__main__":
    main()
