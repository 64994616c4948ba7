# adwatch: `make demo` runs the whole flow on the bundled demo sites; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ADWATCH_CACHE ?= /var/cache/adwatch
export ADWATCH_CACHE

.PHONY: install system-deps demo test test-fast fuzz bench lint es-fetch clean

$(PY):
	@echo "creating the virtual environment $(VENV) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1 || $(PY) -m pip install -q --upgrade pip

# pip's output goes to $(VENV)/install.log, shown only when the install fails; setuptools
# new enough to build the wheel offline (tests/test_package.py) and read the SPDX license.
$(STAMP): pyproject.toml | $(PY)
	@echo "installing adwatch and its dependencies into $(VENV) ..."
	@{ $(PY) -m pip install -q --upgrade 'setuptools>=77' && \
	  $(PY) -m pip install -q -e '.[test,bench]'; } >$(VENV)/install.log 2>&1 \
	  || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for pages that need a browser (render: auto | browser).
# apt-get's output is shown only when it fails.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Chromium (apt-get) ..."; log=$$(mktemp); \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
	      >$$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; rm -f $$log; \
	  else echo "Chromium is missing: sudo apt-get install chromium (JavaScript-only sites need it)"; fi; }

demo: install system-deps
	@$(VENV)/bin/adwatch demo

# Everything the tests need (the Elasticsearch test node is fetched into $(ADWATCH_CACHE) once),
# then the whole suite.
test: install system-deps es-fetch
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: install
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow and not es"

# Elasticsearch's integration-test distribution from Maven Central (needs mvn, unzip, a JDK >= 17).
es-fetch:
	@command -v mvn >/dev/null 2>&1 && command -v unzip >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q maven unzip; \
	  else echo "mvn or unzip is missing: sudo apt-get install maven unzip"; fi; }
	bash scripts/elasticsearch.sh fetch

# The property tests of tests/extract/test_fuzz.py at length: 50 times the examples of `make test`,
# from a new seed each time (printed; `make fuzz FUZZ_SEED=N` runs one again).
ifndef FUZZ_SEED
FUZZ_SEED := $(shell date +%s)
endif
fuzz: install
	@echo "fuzz seed: $(FUZZ_SEED)"
	ADWATCH_FUZZ_PROFILE=fuzz $(PY) -m pytest -q -p no:cacheprovider tests/extract/test_fuzz.py \
	  --hypothesis-seed=$(FUZZ_SEED) --hypothesis-show-statistics --timeout=7200

bench: install
	$(PY) bench/run.py

# ruff, the type check of the typed packages (pyproject.toml [tool.mypy]) and the import
# contracts between the layers (.importlinter).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) data build *.egg-info
