"""The offline composer: a draft assembled from the brief and the library when no LLM is configured."""

from assistant.writing.offline.composer import OFFLINE_LABEL, OFFLINE_MODE, compose_offline
from assistant.writing.offline.layout import speaker_org
from assistant.writing.offline.sentence_filter import is_generic_sentence, load_phrases

__all__ = [
    "OFFLINE_LABEL",
    "OFFLINE_MODE",
    "compose_offline",
    "is_generic_sentence",
    "load_phrases",
    "speaker_org",
]
