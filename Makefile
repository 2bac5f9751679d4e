# The entry points: make book, make test; for authors make pdf (and make clean, make lock).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book pdf test bench env browser oracle lock clean

# Browser tests drive Debian's chromium (a browser a tool downloads at install time cannot be fetched here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The environment is (re)created whenever the pinned dependencies change.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

env: $(STAMP)

book: $(STAMP)
	$(BIN)/python -m mscreview.book.build

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

browser: $(CHROMIUM)

# The test oracle: Debian's metafor, the reference meta-analysis implementation (never the book's engine).
METAFOR := /usr/lib/R/site-library/metafor/DESCRIPTION

$(METAFOR):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends r-base-core r-cran-metafor

oracle: $(METAFOR)

# The PDF manuscript: Debian's TeX Live (XeLaTeX) and poppler (pdfinfo, pdftotext for the test).
LATEXMK := /usr/bin/latexmk

$(LATEXMK):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends texlive-xetex \
		texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended tex-gyre latexmk fonts-dejavu-core \
		poppler-utils

pdf: book $(LATEXMK)
	$(BIN)/python -m mscreview.book.pdf

test: $(STAMP) $(CHROMIUM) $(METAFOR) $(LATEXMK)
	$(BIN)/python -m pytest

# Build-time benchmark: ours against plain Jupyter Book, and at 1,000 studies (prints figures).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Re-resolve the full lock after changing requirements.txt.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -r requirements.txt
	( echo "# Full lock of the environment that requirements.txt resolves to (pip freeze, Python 3.11)."; \
	  echo "# Regenerate with: make lock"; .venv-lock/bin/pip freeze --exclude-editable ) > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf _build test-output
