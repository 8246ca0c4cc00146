# The two quick-start commands (`make ask`, `make test`) each do their own set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
Q      ?= what did Kishida say

.PHONY: setup ask test index serve browser clean

setup: $(STAMP)

# torch is installed first and pinned here (not in pyproject): 2.13.0 is the CPU build
# this machine carries; letting pip resolve torch itself pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

ask: setup
	@$(VENV)/bin/ask "$(Q)"

index: setup
	$(VENV)/bin/newsdex index

test: setup browser
	$(PY) -m pytest -q

# The page's test drives Debian's chromium through Playwright (never `playwright install`).
browser:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

serve: setup
	$(VENV)/bin/newsdex serve

clean:
	rm -rf .newsdex .pytest_cache
