"""Run one `assistant` command in a child process that kills itself (SIGKILL) at a chosen moment.

python -m tests.crash_worker MOMENT ARGS...   (the environment configures the library)

Moments: before-chunks (original and record written, no chunk yet), mid-chunks (after the
first slice of chunks), before-journal-end (everything written but the journal entry),
remove-mid (chunks deleted, files not yet), reindex-before-switch (new index built, not yet
switched to). "slow-writes" sleeps before every slice of chunks it writes (so other processes
overlap it); with "none" the command runs normally.
"""

from __future__ import annotations

import os
import signal
import sys


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def patch(moment: str) -> None:
    from assistant.library import store
    from assistant.library.storage import meta, reindex, writes

    real_add_rows = writes.add_rows
    if moment == "before-chunks":
        writes.add_rows = lambda *a, **k: die()
    elif moment == "mid-chunks":
        store.max_batch = lambda client: 7  # several slices even for a short speech

        def add_then_die(col, batch, ids, *rest, **kw):
            real_add_rows(col, batch, ids, *rest, on_batch=lambda n: die() if n < len(ids) else None)

        writes.add_rows = add_then_die
    elif moment == "before-journal-end":
        meta.MetaStore.end = lambda self, doc_id: die()
    elif moment == "remove-mid":
        writes.erase_text = lambda *a, **k: die()
    elif moment == "reindex-before-switch":
        meta.MetaStore.set_generation = lambda self, name: die()
    elif moment == "slow-writes":
        import time

        store.max_batch = lambda client: 7

        def slow_add_rows(*args, **kw):
            real_on_batch = kw.pop("on_batch", None)

            def on_batch(n):
                time.sleep(0.3)
                if real_on_batch:
                    real_on_batch(n)

            time.sleep(0.3)
            real_add_rows(*args, on_batch=on_batch, **kw)

        # Both modules that write chunks (a document's, a reindex's) imported add_rows by name.
        writes.add_rows = slow_add_rows
        reindex.add_rows = slow_add_rows
    elif moment != "none":
        raise SystemExit(f"unknown moment {moment}")


if __name__ == "__main__":
    patch(sys.argv[1])
    from assistant.cli import main

    main(sys.argv[2:], standalone_mode=True)
