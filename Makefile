# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper
# (`make bench` measures performance: about an hour, needs PostgreSQL, Redis and wrk).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
export FLASK_APP := wsgi.py

.PHONY: run test fuzz security lint lock translations extract-messages clean bench bench-quick

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,postgres,redis]'
	touch $@

# The `bench` extra on top (locust, pyinstrument); a superset of $(STAMP)'s install.
$(BENCH_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,postgres,redis,bench]'
	touch $(STAMP) $@

# Compile the .po catalogues into the .mo files Flask-Babel reads (not kept in git).
translations: $(STAMP)
	@$(BIN)/pybabel compile --statistics -d portal/translations

run: translations
	@PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask db upgrade
	@PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask portal seed-demo
	@echo
	@echo "  Portal is at http://127.0.0.1:5000"
	@echo "  Demo sign-ins (password: demo-password):"
	@echo "    admin@example.com (admin), supervisor@example.com (supervisor),"
	@echo "    agent1@example.com / agent2@example.com / agent3@example.com (agents, tiers 1-3),"
	@echo "    ha.pham@example.com, john.carter@example.com (customers)"
	@echo "  E-mails are printed here (MAIL_BACKEND=console); the worker sends them."
	@echo
	@PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask portal worker & \
	  WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask run --host 127.0.0.1 --port 5000

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The long fuzz run: 2,000 random examples per form and per page (the suite runs 200, seeded).
fuzz: translations
	FUZZ_EXAMPLES=2000 FUZZ_RANDOM=1 $(BIN)/python -m pytest tests/fuzzing -q $(PYTEST_ARGS)

# The hardening issue's attack tests at their long sizes (2,000 fuzz examples, 50 kill -9
# trials, 100,000 token guesses …), then bandit and ruff: one table of every figure, also
# written to instance/security-report.md. SECURITY_ARGS="--short" runs CI's sizes.
security: translations
	$(BIN)/python -m tests.security_report $(SECURITY_ARGS)

# Every benchmark in benchmarks/, one table: benchmarks/results/latest.md (and .json).
# BENCH_ARGS passes flags on, e.g. BENCH_ARGS="--only pages,peer" or "--skip soak".
bench: $(BENCH_STAMP) translations
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

# Small sizes, short runs, a few minutes: benchmarks/results/quick.md (not kept in git).
bench-quick: $(BENCH_STAMP) translations
	$(BIN)/python benchmarks/run_all.py --quick $(BENCH_ARGS)

# ruff (with its security rules, S) and bandit, which fails on any high-severity finding.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --recursive portal --severity-level high

# Write the installed versions into constraints.txt (after changing a dependency in pyproject).
lock: $(BENCH_STAMP)
	@{ sed -n '/^#/p' constraints.txt; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e '; } > constraints.tmp
	@mv constraints.tmp constraints.txt

extract-messages: $(STAMP)
	$(BIN)/pybabel extract --ignore-dirs=".*" --no-location --sort-output -F babel.cfg -k _l -o portal/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i portal/translations/messages.pot -d portal/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
