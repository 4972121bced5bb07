# The front door. `make dev` and `make test` set everything up themselves; `make help` lists every target.
SHELL := /bin/bash
# .venv/ is made with CPython 3.12, the Lambda runtime's, when this machine has one (on PATH or under pyenv,
# whose shims may not run it); otherwise with python3. PYTHON=... chooses another.
PYTHON312 := $(firstword $(foreach p,python3.12 $(sort $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12)),\
	$(shell $(p) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1 && echo $(p))))
PYTHON ?= $(or $(PYTHON312),python3)
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCKS := requirements/dev.txt requirements/runtime.txt
export NO_MKDOCS_2_WARNING := 1

.DEFAULT_GOAL := help
.PHONY: help install lock dev test test-fixture test-fast lint lint-py lint-js test-js bench clean

## help: this list (every target documented by a `## target:` comment in this Makefile)
help:
	@awk '/^## [A-Za-z0-9_.-]+:/ { line = substr($$0, 4); name = line; sub(/:.*/, "", name); \
		sub(/^[^:]*: */, "", line); printf "  %-16s %s\n", name, line; documented = 1; next } \
		/^## / && documented { printf "  %-16s %s\n", "", substr($$0, 4); next } { documented = 0 }' $(MAKEFILE_LIST)

# .venv/ holds exactly requirements/dev.txt (hashes checked; anything else is removed) plus this project,
# editable. A lock that disagrees with pyproject.toml stops here: `make lock` re-resolves it.
# --compile-bytecode: uv writes no .pyc by default, and with PYTHONDONTWRITEBYTECODE set (as on this machine)
# every interpreter would compile botocore & co. from source at each start.
$(STAMP): pyproject.toml $(LOCKS)
	@python3 requirements/lockfile.py check
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || { python3 requirements/lockfile.py pick uv > $(VENV)/uv-requirement.txt && \
		$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(VENV)/uv-requirement.txt; }
	$(BIN)/uv pip sync --quiet --python $(PY) --require-hashes --compile-bytecode requirements/dev.txt
	$(BIN)/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $(STAMP)

# The site's JavaScript tools (Biome; esbuild, which `make site` needs to bundle each page's code), from npm,
# pinned in package-lock.json; node_modules/ is not committed. Every target that builds the site depends on it.
NPM_STAMP := node_modules/.installed-stamp
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NPM_STAMP)

## install: set up .venv/ (every Python dependency, runtime and dev) and node_modules/ (Biome, esbuild), run nothing
install: $(STAMP) $(NPM_STAMP)

## dev: run the whole contest locally on http://127.0.0.1:8000 (PORT=... another port, CONTEST_CLOCK=... the clock, RESET=1 start clean; data is kept in .dev/ between runs)
PORT ?= 8000
dev: $(STAMP) $(NPM_STAMP)
	$(BIN)/contest dev --port $(PORT) $(if $(RESET),--reset)

## test: install what is needed and run the whole suite, against content/ and then against the fixture contest
test: $(STAMP) $(NPM_STAMP)
	@command -v pdftoppm >/dev/null || [ "$$(id -u)" != 0 ] || apt-get install -y -q poppler-utils >/dev/null || true  # certificate images
	node --test tests/js/
	$(BIN)/pytest -p no:cacheprovider
	$(MAKE) --no-print-directory test-fixture

## test-fixture: the suite against a second, very different contest (tests/fixtures/contests/son-nguyen), browser
## tests included: the tests may depend on no contest but the one they are given (shipped_content ones are skipped)
FIXTURE_CONTENT ?= tests/fixtures/contests/son-nguyen
test-fixture: $(STAMP) $(NPM_STAMP)
	CONTEST_TEST_CONTENT=$(FIXTURE_CONTENT) $(BIN)/pytest -p no:cacheprovider $(FIXTURE_TESTS)
# The browser suite (tests/e2e) is part of the fixture run: what its tests look for on a page comes from the
# contest under test (tests/e2e/conftest.py), so a second contest proves the pages too. Measured on a shared 2-core
# machine: the fixture's browser suite (46 tests + 3 skipped) adds 4 minutes to `make test` (up to 8 under heavy
# load), well inside CI's 90-minute budget. The fixture contest's own end-to-end Proof is tests/e2e/test_second_contest.py, run once, in
# the run against content/. FIXTURE_TESTS="tests --ignore=tests/e2e" leaves the browser out.
FIXTURE_TESTS ?= tests

## test-fast: unit tests only
test-fast: $(STAMP)
	$(BIN)/pytest tests/unit -q

## lock: re-resolve requirements/dev.txt and runtime.txt (hashes) from pyproject.toml after a pin changed there;
## other packages keep their locked versions (UPGRADE=1: every transitive version moves to the newest). Needs PyPI.
lock:
	test -x $(BIN)/uv || { test -x $(PY) || $(PYTHON) -m venv $(VENV); \
		$(PY) -m pip install --quiet "$$(grep -o '"uv==[^"]*"' pyproject.toml | tr -d '"')"; }
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements/dev.txt
	$(BIN)/uv pip compile --quiet pyproject.toml $(LOCK_FLAGS) -c requirements/dev.txt -o requirements/runtime.txt
	python3 requirements/lockfile.py check
LOCK_FLAGS = --universal --python-version 3.11 --generate-hashes $(if $(UPGRADE),--upgrade)

## lint: everything CI checks before the tests: Python (ruff, ruff format, mypy, import contracts) and JavaScript
lint: lint-py lint-js

## lint-py: ruff check, ruff format --check, mypy (strict defs on the package), import-linter contracts
lint-py: $(STAMP)
	$(BIN)/ruff check src functions tests benchmarks infra requirements
	$(BIN)/ruff format --check src functions tests benchmarks infra requirements
	$(BIN)/mypy -p contest
	for f in functions/*/app.py; do $(BIN)/mypy "$$f" || exit 1; done  # each is a module named app
	$(BIN)/lint-imports

## lint-js: Biome over the site's JavaScript (biome.json; the tools from package-lock.json)
lint-js: $(NPM_STAMP)
	node_modules/.bin/biome lint

## test-js: the site's JavaScript unit tests (quiz state machine, submit/retry loop, formatting), node --test
test-js:
	node --test tests/js/

## bench: every benchmark (cold start and DynamoDB calls per step, the close, the cost estimate);
## results printed and written under build/bench/
bench: $(STAMP) $(NPM_STAMP) bench-close
	$(PY) benchmarks/cold_start.py
	$(PY) benchmarks/cost_estimate.py

## clean: remove build/ and .dev/ (the local stack's data)
clean:
	rm -rf build .dev

.PHONY: site
## site: build the contest website alone into build/site (mkdocs build --strict, pages generated from content/)
site: $(STAMP) $(NPM_STAMP)
	$(PY) -m contest.organisers.sitebuild build/site

# --- AWS (docs/deploy.md) ----------------------------------------------------------------------------
# The sam CLI pins its own boto3 and click: it lives in its own virtual environment, installed on demand.
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
# samconfig.toml environment: default (stack contest-prod) or staging (contest-staging)
STACK_ENV ?= default
# extra sam deploy parameters, e.g. PARAMS="ContactEmail=ops@example.vn" (merged over samconfig's and the
# close schedule generated from content/: `python infra/stack.py parameters` prints the result)
PARAMS ?=
STACK_PY := $(PY) infra/stack.py --config-env $(STACK_ENV)
export SAM_CLI_TELEMETRY := 0

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION)

.PHONY: check-template layers deploy deploy-waf publish-site load-content close-week

## check-template: cfn-lint, SAM transform (samtranslator), cfn-lint on the result; sam validate if sam is installed
check-template: $(STAMP)
	$(PY) infra/template_checks.py
	@if [ -x $(SAM) ]; then cd infra && AWS_DEFAULT_REGION=ap-southeast-1 ../$(SAM) validate --lint; \
	else echo "sam validate skipped: sam CLI not installed (make deploy installs it into $(SAM_VENV))"; fi

## layers: build the Lambda layers (arm64, CPython 3.12) into build/layers from requirements/runtime.txt
layers: $(STAMP)
	$(PY) infra/build_layers.py

## deploy: layers, checks, sam build, sam deploy (STACK_ENV=staging for the staging stack; PARAMS=... overrides);
## the close schedule (every week's results_at) is generated from content/contest.yaml at each deploy
deploy: $(STAMP) $(SAM) layers check-template
	cd infra && PATH="$$(dirname $$(../$(PY) -c 'from build_layers import find_python312; print(find_python312())')):$$PATH" \
		../$(SAM) build --config-env $(STACK_ENV)
	params="$$($(STACK_PY) parameters $(PARAMS))" && echo "parameters: $$params" && \
		cd infra && ../$(SAM) deploy --config-env $(STACK_ENV) --parameter-overrides "$$params"
	$(STACK_PY) output SiteUrl

## deploy-waf: the optional WAF web ACL (us-east-1); then `make deploy PARAMS="... WebAclArn=<output>"`
deploy-waf: $(STAMP) $(SAM)
	cd infra && ../$(SAM) deploy --config-env waf $(if $(PARAMS),--parameter-overrides $(PARAMS))

## publish-site: build the site, sync it to the public bucket (results/ untouched), invalidate CloudFront
publish-site: site
	$(STACK_PY) publish-site --site build/site

## load-content: load contest.yaml, units and questions into the deployed table (contest content load --aws);
## refused while the deployed close schedule differs from content/'s results times (then `make deploy`)
load-content: $(STAMP)
	$(STACK_PY) check-schedule
	table="$$($(STACK_PY) output TableName)" && \
	region="$$($(PY) -c 'import sys; sys.path.insert(0, "infra"); from stack import stack_settings; print(stack_settings("$(STACK_ENV)")[1])')" && \
	CONTEST_TABLE="$$table" AWS_REGION="$$region" $(BIN)/contest content load --aws

## close-week: run the weekly close on AWS now (WEEK=N to name the week)
close-week: $(STAMP)
	$(STACK_PY) close $(if $(WEEK),--week $(WEEK))

.PHONY: bench-close
## bench-close: the weekly close on 1,000,000 synthetic standings (rank + aggregate + render vs a sorted()
## floor) and the read path (DynamoDB pages -> compact records vs json.loads); results in build/bench/
bench-close: $(STAMP)
	$(PY) benchmarks/close_week.py --repeat 3
	$(PY) benchmarks/read_path.py --end-to-end

# --- reliability (docs/reliability.md) -------------------------------------------------------------------
.PHONY: stress fuzz simulate audit

## stress: 200 contestants under DynamoDB faults over 6 seeds, the close interrupted 30 times (build/stress/)
stress: $(STAMP)
	CONTEST_SLOW=1 CONTEST_STRESS_SEEDS=$${CONTEST_STRESS_SEEDS:-1,2,3,4,5,6} \
	CONTEST_CLOSE_INTERRUPTIONS=$${CONTEST_CLOSE_INTERRUPTIONS:-30} \
		$(BIN)/pytest -p no:cacheprovider tests/stress tests/security -q

## fuzz: schemathesis over every route of docs/openapi.json on the local stack, 1,200 cases (build/fuzz/)
fuzz: $(STAMP)
	CONTEST_SLOW=1 CONTEST_FUZZ_CASES=$${CONTEST_FUZZ_CASES:-1200} $(BIN)/pytest -p no:cacheprovider tests/fuzz -q

## simulate: a full week on the local stack (N=1000 contestants; N=... to change), checked against the simulator
simulate: $(STAMP)
	$(PY) benchmarks/simulate.py --contestants $${N:-1000}

## audit: pip-audit over the lock files (PyPI's vulnerability data; fails, never hangs, when it cannot be
## reached), bandit over src and functions (no baseline: [tool.bandit] in pyproject.toml says what it skips and why)
AUDIT_TIMEOUT ?= 600
audit: $(STAMP)
	python3 requirements/lockfile.py can-audit
	for lock in $(LOCKS); do \
		timeout $(AUDIT_TIMEOUT) $(BIN)/pip-audit --strict --require-hashes --disable-pip --vulnerability-service pypi \
			--timeout 30 --progress-spinner off -r $$lock; rc=$$?; \
		if [ $$rc = 124 ]; then echo "audit: no answer from PyPI's vulnerability service in $(AUDIT_TIMEOUT) s" >&2; fi; \
		[ $$rc = 0 ] || exit $$rc; done
	$(BIN)/bandit -q -c pyproject.toml -r src functions
