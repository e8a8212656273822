# 约谈讲话写作助手 — the README's commands.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: install run run-lan chroma-server test test-fast test-store-server lint bench corpus-vectors clean offline-vocabulary

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	# uv installs the same packages in ~20 s where pip took ~90 s; pip is the fallback.
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]' || $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The page (app.py) behind the login page (src/assistant/ui/server.py): with no account and no
# password on a 127.0.0.1-only server, the login page lets everything through as before.
SERVER := src/assistant/ui/server.py
run: $(STAMP)
	$(BIN)/streamlit run $(SERVER) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# The office LAN: every interface. Nothing is served without accounts (assistant user add) or ASSISTANT_ACCESS_PASSWORD.
run-lan: $(STAMP)
	$(BIN)/streamlit run $(SERVER) --server.address 0.0.0.0 --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# A team's shared library (README: 团队部署). Bind to the office network only where needed.
CHROMA_DIR ?= data/chroma-server
CHROMA_PORT ?= 8001
CHROMA_HOST ?= 127.0.0.1
chroma-server: $(STAMP)
	$(BIN)/chroma run --path $(CHROMA_DIR) --host $(CHROMA_HOST) --port $(CHROMA_PORT)

# Two pytest workers (pytest-xdist): many tests wait on child processes, browsers and servers,
# so two workers on two cores take the suite from ~10 to ~6 minutes. TEST_WORKERS=0 runs serially.
# --dist loadgroup: a module marked xdist_group (costly module fixtures) runs on one worker only.
TEST_WORKERS ?= 2
# The store suite once more, every library on a real `chroma run` server instead of embedded Chroma.
STORE_SUITE := tests/integration/test_store.py tests/integration/test_store_batches.py \
	tests/integration/test_bm25.py tests/integration/test_store_crash.py \
	tests/integration/test_store_concurrency.py tests/integration/test_duplicates.py \
	tests/integration/test_cli_library.py

# Everything: the fast tests, the deep ones (tests/integration), then the store suite on a Chroma server.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --durations=20 tests
	ASSISTANT_TEST_STORE=server $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(STORE_SUITE)

# The inner loop (under a minute): tests/unit only — in-process, no browser, no child process, no Chroma server.
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup tests/unit

test-store-server: $(STAMP)
	ASSISTANT_TEST_STORE=server $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(STORE_SUITE)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/scale_bench.py --sizes 1000 10000
	$(BIN)/python bench/retrieval_eval.py
	$(BIN)/python bench/first_start_bench.py

# After changing corpus/*.md (or parsing/chunking): recompute the corpus's vectors, then commit
# corpus/vectors.npz. Tests fail while it is out of date; CI uses the committed file.
corpus-vectors: $(STAMP)
	$(BIN)/python -m assistant.library.corpus

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# After changing corpus/: the nouns the offline composer may reuse from reference sentences.
offline-vocabulary: $(STAMP)
	$(BIN)/python scripts/build_offline_vocabulary.py
