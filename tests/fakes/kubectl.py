"""A stand-in for kubectl: records each call and answers from a script of rules.

The script (FAKE_KUBECTL_RULES, JSON) is a list of {"match": [words...], "answers": [...]}.
A rule fits a call whose words contain all of its match words; the first fitting rule answers.
Each answer is {"stdout", "stderr", "code", "sleep"}; a rule gives its answers in turn and
repeats the last one. Calls are appended to FAKE_KUBECTL_LOG, one JSON list per line; a call
reading a manifest from stdin (`-f -`) appends what it read to <log>.stdin, one JSON string per
line. When FAKE_KUBECTL_SPANS names a file, each answered call appends [start, end]
(time.time()) to it.
tests/fakes/pulumi.py is the same program reading FAKE_PULUMI_RULES and FAKE_PULUMI_LOG.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import sys
import time
from pathlib import Path


def count_use(counter: Path) -> int:
    """How often the rule answered before; locked, since labctl verify runs several calls at once."""
    with counter.open("a+") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        used = int(file.read() or 0)
        file.seek(0)
        file.truncate()
        file.write(str(used + 1))
    return used


def main(variables: str = "FAKE_KUBECTL") -> int:
    began = time.time()
    words = sys.argv[1:]
    log_path = os.environ[f"{variables}_LOG"]
    with Path(log_path).open("a") as log:
        log.write(json.dumps(words) + "\n")
    if any(word == "-f" and following == "-" for word, following in itertools.pairwise(words)):
        with Path(log_path + ".stdin").open("a") as log:
            log.write(json.dumps(sys.stdin.read()) + "\n")
    # FAKE_ENV_NAMES (comma-separated) asks for those environment variables of each call, in <log>.env.
    names = [name for name in os.environ.get("FAKE_ENV_NAMES", "").split(",") if name]
    if names:
        with Path(log_path + ".env").open("a") as log:
            log.write(json.dumps({name: os.environ.get(name) for name in names}) + "\n")
    rules = json.loads(Path(os.environ[f"{variables}_RULES"]).read_text())
    for index, rule in enumerate(rules):
        if all(word in words for word in rule["match"]):
            used = count_use(Path(log_path + f".rule{index}"))
            answer = rule["answers"][min(used, len(rule["answers"]) - 1)]
            time.sleep(answer.get("sleep", 0))
            sys.stdout.write(answer.get("stdout", ""))
            sys.stderr.write(answer.get("stderr", ""))
            if "FAKE_KUBECTL_SPANS" in os.environ:
                with Path(os.environ["FAKE_KUBECTL_SPANS"]).open("a") as spans:
                    spans.write(json.dumps([began, time.time()]) + "\n")
            return int(answer.get("code", 0))
    sys.stderr.write(f"error: the fake ({variables}) has no rule for {' '.join(words)}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
