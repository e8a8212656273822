"""Fast tests: in-process, no browser, no child processes, no Chroma server (make test-fast)."""
