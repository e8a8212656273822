"""A file becomes a speech: read within limits, decoded, repaired, cleaned, parsed and chunked (prepare.prepare_path / prepare_bytes)."""
