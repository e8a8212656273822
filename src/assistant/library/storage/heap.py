"""Freed memory is overwritten, so a removed document's text cannot reach disk from it.

Chroma's local vector index (hnswlib) allocates its buffers with malloc and saves them whole,
the unused capacity included. Without this, that capacity holds whatever the process freed
there before, document text included, and `remove` could not promise the text is gone: a
later save (another write, the client going away at exit) would write it again. glibc's
M_PERTURB fills every freed block with a fixed byte and every new one with its complement.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_PERTURB = -6  # glibc's mallopt parameter
_PERTURB_BYTE = 0x5A


@functools.cache  # a process-wide setting: once is enough (the CLI, the app and every Library ask)
def wipe_freed_memory() -> bool:
    """Ask glibc to overwrite freed memory from now on; False where that is not available."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_PERTURB, _PERTURB_BYTE))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to set
        return False
