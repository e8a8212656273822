"""The reference library (范文库): load, clean, parse, chunk, embed, store, search."""

from assistant.library.storage.heap import wipe_freed_memory

# Before any document is read: Chroma saves its vector index files from buffers it never
# cleared, so freed memory that once held a document's text could reach disk (see heap.py).
wipe_freed_memory()
