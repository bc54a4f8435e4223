# The two commands a fresh machine needs: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
PORT    ?= 5000
PYTEST_ARGS ?=
# The suite over pytest-xdist workers, each on its own database (<name>_gw0, made on demand)
# and Redis db (the URL's + 1 + n, or XDIST_REDIS_DBS): 236 s against 519 s serial on this
# two-core machine (the suite mostly waits on servers). TEST_WORKERS= runs it serially.
TEST_WORKERS ?= 2

.PHONY: run test lint bench chaos-local browser clean cluster chaos cluster-deps

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

## run: the whole gateway on the embedded default (SQLite, embedded Redis, in-process worker)
run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) institutions import
	$(FLASK) officers demo
	MREJESHO_EMBEDDED=true exec $(FLASK) serve --port $(PORT)

## test: the whole suite, on DATABASE_URL/REDIS_URL when set, else on embedded ones
test: $(VENV)/.installed browser
	$(PY) -m pytest $(if $(TEST_WORKERS),-n $(TEST_WORKERS) --dist loadgroup) $(PYTEST_ARGS)

## browser: Debian's chromium for the page tests (Playwright drives /usr/bin/chromium)
browser:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

## bench: figures against targets (bench/README in the README's Performance section);
## needs PostgreSQL and Redis: BENCH_DATABASE_URL, BENCH_REDIS_URL, sizes such as BENCH_ROWS
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench

## chaos-local: the single-host fault run alone (bench/faults.py): USSD load while web workers,
## its own Redis and the rq workers are killed; prints lost, duplicated, phantom (all 0)
chaos-local: $(VENV)/.installed
	$(PY) -m bench.faults

## cluster: the production topology on this machine, ports 22000+ (ops/cluster.py); Ctrl-C stops it
cluster: $(VENV)/.installed cluster-deps
	$(PY) -m ops.cluster

## chaos: load through the cluster while its parts are killed; prints what was lost (ops/chaos.py)
chaos: $(VENV)/.installed cluster-deps
	$(PY) -m ops.chaos

## cluster-deps: Debian's haproxy, redis-server and PostgreSQL server binaries, if missing
cluster-deps:
	@test -x /usr/sbin/haproxy && test -x /usr/bin/redis-server && \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq haproxy redis-server \
	    postgresql >/dev/null; }

clean:
	rm -rf $(VENV) instance build *.egg-info
