"""The reference library (范文库): load, clean, parse, chunk, embed, store, search."""
