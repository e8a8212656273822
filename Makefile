# 约谈讲话写作助手 — the README's commands.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: install run run-lan test lint bench clean offline-vocabulary

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# The office LAN: every interface. The app refuses to serve without ASSISTANT_ACCESS_PASSWORD.
run-lan: $(STAMP)
	$(BIN)/streamlit run app.py --server.address 0.0.0.0 --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/retrieval_eval.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# After changing corpus/: the nouns the offline composer may reuse from reference sentences.
offline-vocabulary: $(STAMP)
	$(BIN)/python scripts/build_offline_vocabulary.py
