"""Writing: a brief becomes a SpeechPlan, a Writer (LLM or offline) drafts it, a Reviser revises it.

The names below are loaded on first use (PEP 562), so that importing one light submodule
(draft_io, say, for the CLI's export) does not pull in the LLM stack and the offline composer.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "events": (
        "DraftError DraftFinished DraftInterrupted DraftWarning Event EventCallback Notice OutlineDone "
        "OutlineStarted OutlineToken PartDone PartStarted PartToken"
    ),
    "plan": "SpeechPlan make_plan",
    "revision": "PolishResult Reviser RevisionResult",
    "writer": "LLMWriter OfflineWriter Writer choose_reviser choose_writer",
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names.split()}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant.writing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"assistant.writing.{module}"), name)
    globals()[name] = value
    return value

