"""`python -m labctl.docgen` rewrites the generated pages; `--check` only lists the stale ones (exit 1)."""

from __future__ import annotations

import argparse
import sys

from labctl.docgen.pages import refresh, stale


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m labctl.docgen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a page is stale")
    args = parser.parse_args()
    try:
        if args.check:
            outdated = stale()
            for path in outdated:
                print(f"{path}: stale; run `make docs`", file=sys.stderr)
            return 1 if outdated else 0
        for path in refresh():
            print(f"wrote {path}")
    except (TypeError, ValueError) as error:
        # A hand-written file in the way, a field without a description, an example that no longer loads.
        print(f"docgen: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
