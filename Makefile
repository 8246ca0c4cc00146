# The two quick-start commands (`make ask`, `make test`) each do their own set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
Q      ?= what did Kishida say

.PHONY: setup ask test lint index serve browser clean

setup: $(STAMP)

# torch is installed first and pinned here (not in pyproject): 2.13.0 is the CPU build
# this machine carries; letting pip resolve torch itself pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check --constraint constraints.txt -e '.[test,scale]'
	touch $(STAMP)

ask: setup
	@$(VENV)/bin/ask "$(Q)"

index: setup
	$(VENV)/bin/newsdex index

test: lint browser
	$(PY) -m pytest -q

# mypy cannot follow pyproject's package-dir mapping (newsdex.index lives in index/), so it
# checks a throwaway tree of links laid out as the installed package: build/typecheck/newsdex/.
TYPECHECK := build/typecheck
lint: setup
	$(VENV)/bin/ruff check .
	rm -rf $(TYPECHECK)/newsdex && mkdir -p $(TYPECHECK)/newsdex
	for f in newsdex/*.py; do ln -s "$(CURDIR)/$$f" $(TYPECHECK)/newsdex/; done
	for d in index search api; do ln -s "$(CURDIR)/$$d" $(TYPECHECK)/newsdex/$$d; done
	cd $(TYPECHECK) && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml -p newsdex

# The page's test drives Debian's chromium through Playwright (never `playwright install`).
browser:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

serve: setup
	$(VENV)/bin/newsdex serve

clean:
	rm -rf .newsdex .pytest_cache build/typecheck
