"""A stand-in for kubectl: records each call and answers from a script of rules.

The script (FAKE_KUBECTL_RULES, JSON) is a list of {"match": [words...], "answers": [...]}.
A rule fits a call whose words contain all of its match words; the first fitting rule answers.
Each answer is {"stdout", "stderr", "code", "sleep"}; a rule gives its answers in turn and
repeats the last one. Calls are appended to FAKE_KUBECTL_LOG, one JSON list per line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    words = sys.argv[1:]
    with Path(os.environ["FAKE_KUBECTL_LOG"]).open("a") as log:
        log.write(json.dumps(words) + "\n")
    rules = json.loads(Path(os.environ["FAKE_KUBECTL_RULES"]).read_text())
    for index, rule in enumerate(rules):
        if all(word in words for word in rule["match"]):
            counter = Path(os.environ["FAKE_KUBECTL_LOG"] + f".rule{index}")
            used = int(counter.read_text()) if counter.exists() else 0
            counter.write_text(str(used + 1))
            answer = rule["answers"][min(used, len(rule["answers"]) - 1)]
            time.sleep(answer.get("sleep", 0))
            sys.stdout.write(answer.get("stdout", ""))
            sys.stderr.write(answer.get("stderr", ""))
            return int(answer.get("code", 0))
    sys.stderr.write(f"error: the fake kubectl has no rule for {' '.join(words)}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
