"""The reference library (范文库): the Library (store), ingest, search, ranking, embeddings, the bundled corpus."""
