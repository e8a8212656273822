"""Whose drafts a user sees: their own, those shared with them on purpose, nothing else.

A draft belongs to the account that made it (``DraftRecord.owner``). Its owner may share it
(共享给…) with named colleagues, who may then open and revise it; only the owner deletes or
re-shares it. Drafts made before any account existed have no owner: without accounts everyone
has them as before; once accounts exist only a 系统管理员 sees them (to hand them on).
"""

from __future__ import annotations

from assistant.domain.models import Draft
from assistant.drafts.draft_store import (
    DraftRecord,
    DraftStore,
    DraftStoreError,
    VersionInfo,
    by_meeting,
)
from assistant.support.access import Role
from assistant.support.accounts import Account

NOT_YOURS = "这份稿件不属于当前账号，也没有共享给当前账号，无法打开。"
OWNER_ONLY = "只有稿件的建立者才能删除或共享这份稿件。"


def can_open(record: DraftRecord, account: Account) -> bool:
    """Whether ``account`` may open and revise this draft."""
    if not record.owner:
        return not account.name or account.role == Role.ADMIN
    return account.name == record.owner or (bool(account.name) and account.name in record.shared_with)


def is_owner(record: DraftRecord, account: Account) -> bool:
    """Whether ``account`` may delete and share this draft."""
    if not record.owner:
        return not account.name or account.role == Role.ADMIN
    return account.name == record.owner


class UserDrafts:
    """我的稿件 as one account sees it: every read and change checked against ownership."""

    def __init__(self, store: DraftStore, account: Account) -> None:
        self.store, self.account = store, account

    def _record(self, draft_id: str) -> DraftRecord:
        record = self.store.record(draft_id)
        if not can_open(record, self.account):
            raise DraftStoreError(NOT_YOURS)
        return record

    def drafts(self) -> list[DraftRecord]:
        """The drafts this account may open, the most recently changed first."""
        return [r for r in self.store.drafts() if can_open(r, self.account)]

    def by_meeting(self) -> list[tuple[str, list[DraftRecord]]]:
        """This account's drafts grouped by meeting, the group changed most recently first."""
        return by_meeting(self.drafts())

    def exists(self, draft_id: str) -> bool:
        """Whether the draft exists and this account may open it."""
        if not self.store.exists(draft_id):
            return False
        try:
            self._record(draft_id)
        except DraftStoreError:
            return False
        return True

    def record(self, draft_id: str) -> DraftRecord:
        """A draft's record, when this account may open it."""
        return self._record(draft_id)

    def load(self, draft_id: str, number: int | None = None) -> Draft:
        """A version of a draft this account may open."""
        self._record(draft_id)
        return self.store.load(draft_id, number)

    def diff(self, draft_id: str, old: int, new: int) -> str:
        """Revision marks between two versions of a draft this account may open."""
        self._record(draft_id)
        return self.store.diff(draft_id, old, new)

    def add_version(self, draft_id: str, draft: Draft, reason: str) -> VersionInfo:
        """A new version of a draft this account may revise."""
        self._record(draft_id)
        return self.store.add_version(draft_id, draft, reason)

    def add_or_create(self, draft_id: str, draft: Draft, reason: str) -> tuple[str, VersionInfo]:
        """Add to the draft when this account may revise it, else make a new draft of its own."""
        if draft_id and self.exists(draft_id):
            return draft_id, self.store.add_version(draft_id, draft, reason)
        record = self.store.create(draft, reason, owner=self.account.name)
        return record.draft_id, record.latest

    def restore(self, draft_id: str, number: int) -> VersionInfo:
        """Make an older version the newest again."""
        self._record(draft_id)
        return self.store.restore(draft_id, number)

    def delete(self, draft_id: str) -> None:
        """Delete a draft: its owner only."""
        if not is_owner(self._record(draft_id), self.account):
            raise DraftStoreError(OWNER_ONLY)
        self.store.delete(draft_id)

    def share(self, draft_id: str, names: list[str]) -> DraftRecord:
        """Share a draft with named accounts (replacing the earlier choice): its owner only."""
        record = self._record(draft_id)
        if not is_owner(record, self.account) or not record.owner:
            raise DraftStoreError(OWNER_ONLY if record.owner else "这份稿件建立时还没有账号，不能共享。")
        return self.store.share(draft_id, names)
