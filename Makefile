# `make run` renders the dev stack; `make test` runs every check. Both bootstrap .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

# The project is installed editable, with its pinned test tools (pyproject.toml): .venv/bin/labctl
# then runs this working tree from any folder, and `make test` checks the code as it is now.
$(STAMP): pyproject.toml requirements.txt requirements-dev.txt
	@$(PYTHON) tools/python_check.py $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/labctl render --stack dev --out build/dev
	$(BIN)/labctl review --dir build/dev --format summary

# tests/test_real_redis.py runs Debian's redis-server (and redis-cli); tests/test_timeline_svg.py
# turns the timeline into a PNG with rsvg-convert (librsvg2-bin); tests/test_browser.py looks at the
# pictures and the verify report in a headless chromium. Installed when missing.
.PHONY: test-programs
test-programs:
	@command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { \
		echo "make test: installing Debian's redis-server for tests/test_real_redis.py"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	} || { echo "make test: could not install redis-server with apt-get (needs root); install it and rerun" >&2; exit 1; }
	@command -v rsvg-convert >/dev/null && command -v chromium >/dev/null || { \
		echo "make test: installing Debian's librsvg2-bin and chromium for the picture and browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq librsvg2-bin chromium >/dev/null; \
	} || { echo "make test: could not install librsvg2-bin and chromium with apt-get (needs root); install them and rerun" >&2; exit 1; }

# One pytest-xdist worker per core (`make test PYTEST_WORKERS=0` runs in one process); a file stays on
# one worker, so its fixtures and its timing-sensitive real-program tests are not split.
PYTEST_WORKERS ?= auto

test: $(STAMP) test-programs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# Rewrites the reference pages generated from the code (docs/configuration.md, rules.md, labctl.md);
# tests/test_docs.py fails while one of them is stale.
.PHONY: docs
docs: $(STAMP)
	$(BIN)/python -m labctl.docgen

# The whole proof on the cluster of kubectl's current context (needs the Pulumi CLI and a cluster; not
# part of `make test`). `labctl doctor` checks the tools and the cluster first, for a class like the e2e's
# (its MySQL on a claim), and stops the run with its report when anything is missing or wrong.
# Exit codes of the run: 0 proven, 1 a step failed, 3 skipped. Report: build/e2e/report.md.
E2E_DOCTOR := $(BIN)/labctl doctor --stack dev --set labs.mysqlWithSecret.storage.type=persistentVolumeClaim
.PHONY: e2e
e2e: $(STAMP)
	$(E2E_DOCTOR)
	$(BIN)/python -m tests.e2e

# bench/RESULTS.md: render, components and review (`python -m bench`), then `labctl verify` over a
# class of 100 against a fake kubectl that answers after 200 ms (`make bench-verify` alone).
BENCH_SHARED ?= the machine ran nothing else of note
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.verify --shared "$(BENCH_SHARED)"

.PHONY: bench-verify
bench-verify: $(STAMP)
	$(BIN)/python -m bench.verify --shared "$(BENCH_SHARED)"

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# Mutation testing over labs/ and policy/rules/ (docs/mutation-score.md); never part of `make test` or CI.
# MUTANTS narrows the run by mutmut's name patterns, e.g. MUTANTS='labs.quantity.*'; MUTANT_JOBS runs that
# many mutants at once. The tests run from a copy in mutants/, so they are told where shared/ is.
MUTANTS ?=
MUTANT_JOBS ?= 2
K8S_LABS_SHARED ?= $(abspath ..)/shared
MUTANTS_STAMP := $(VENV)/.mutants-installed

$(MUTANTS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutants]'
	touch $(MUTANTS_STAMP)

.PHONY: mutants
mutants: $(MUTANTS_STAMP)
	K8S_LABS_SHARED=$(K8S_LABS_SHARED) $(BIN)/mutmut run --max-children $(MUTANT_JOBS) $(MUTANTS)
	$(BIN)/python -m tools.mutation_score docs/mutation-score.md
