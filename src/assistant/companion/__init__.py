"""The companion documents of one 约谈: notice, minutes, rectification checklist, large-print copy.

Everything is written from the brief (the facts) and checked against the final speech; fields only
the office can know are the marked blank FILL_MARK (〔待填〕). Entry point: `make_companion`.
"""

from assistant.companion.make import make_companion, make_notices_per_unit
from assistant.companion.model import FILL_MARK, KINDS, CompanionError, CompanionFile

__all__ = ["FILL_MARK", "KINDS", "CompanionError", "CompanionFile", "make_companion", "make_notices_per_unit"]
