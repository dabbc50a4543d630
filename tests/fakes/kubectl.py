"""A stand-in for kubectl: records each call and answers from a script of rules.

The script (FAKE_KUBECTL_RULES, JSON) is a list of {"match": [words...], "answers": [...]}.
A rule fits a call whose words contain all of its match words; the first fitting rule answers.
Each answer is {"stdout", "stderr", "code", "sleep"}; a rule gives its answers in turn and
repeats the last one. Calls are appended to FAKE_KUBECTL_LOG, one JSON list per line.
tests/fakes/pulumi.py is the same program reading FAKE_PULUMI_RULES and FAKE_PULUMI_LOG.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(variables: str = "FAKE_KUBECTL") -> int:
    words = sys.argv[1:]
    log_path = os.environ[f"{variables}_LOG"]
    with Path(log_path).open("a") as log:
        log.write(json.dumps(words) + "\n")
    # FAKE_ENV_NAMES (comma-separated) asks for those environment variables of each call, in <log>.env.
    names = [name for name in os.environ.get("FAKE_ENV_NAMES", "").split(",") if name]
    if names:
        with Path(log_path + ".env").open("a") as log:
            log.write(json.dumps({name: os.environ.get(name) for name in names}) + "\n")
    rules = json.loads(Path(os.environ[f"{variables}_RULES"]).read_text())
    for index, rule in enumerate(rules):
        if all(word in words for word in rule["match"]):
            counter = Path(log_path + f".rule{index}")
            used = int(counter.read_text()) if counter.exists() else 0
            counter.write_text(str(used + 1))
            answer = rule["answers"][min(used, len(rule["answers"]) - 1)]
            time.sleep(answer.get("sleep", 0))
            sys.stdout.write(answer.get("stdout", ""))
            sys.stderr.write(answer.get("stderr", ""))
            return int(answer.get("code", 0))
    sys.stderr.write(f"error: the fake ({variables}) has no rule for {' '.join(words)}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
