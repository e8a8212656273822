"""The library's storage: Chroma, the writer lock, the journal, BM25 files, scrubbing, reindex, doctor (docs/STORAGE.md)."""
