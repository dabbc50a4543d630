"""A stand-in for kubectl: records each call and answers from a script of rules.

The script (FAKE_KUBECTL_RULES, JSON) is a list of {"match": [words...], "answers": [...]}.
A rule fits a call whose words contain all of its match words; the first fitting rule answers.
Each answer is {"stdout", "stderr", "code", "sleep"}; a rule gives its answers in turn and
repeats the last one. Calls are appended to FAKE_KUBECTL_LOG, one JSON list per line; when
FAKE_KUBECTL_SPANS names a file, each answered call appends [start, end] (time.time()) to it.
"""

from __future__ import annotations

import fcntl
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


def main() -> int:
    began = time.time()
    words = sys.argv[1:]
    with Path(os.environ["FAKE_KUBECTL_LOG"]).open("a") as log:
        log.write(json.dumps(words) + "\n")
    rules = json.loads(Path(os.environ["FAKE_KUBECTL_RULES"]).read_text())
    for index, rule in enumerate(rules):
        if all(word in words for word in rule["match"]):
            used = count_use(Path(os.environ["FAKE_KUBECTL_LOG"] + f".rule{index}"))
            answer = rule["answers"][min(used, len(rule["answers"]) - 1)]
            time.sleep(answer.get("sleep", 0))
            sys.stdout.write(answer.get("stdout", ""))
            sys.stderr.write(answer.get("stderr", ""))
            if "FAKE_KUBECTL_SPANS" in os.environ:
                with Path(os.environ["FAKE_KUBECTL_SPANS"]).open("a") as spans:
                    spans.write(json.dumps([began, time.time()]) + "\n")
            return int(answer.get("code", 0))
    sys.stderr.write(f"error: the fake kubectl has no rule for {' '.join(words)}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
