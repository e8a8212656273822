"""References for writing: the query of each part, one brief-aware search, and the budget.

Both writers (LLM and offline) search through :func:`search_references`, so preferred and
excluded documents, a library indexed with another model, and a failing library are handled
the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from assistant.domain.models import ROLE_LABELS, SearchHit
from assistant.domain.plan import SpeechPlan
from assistant.intake.chunking import excerpt
from assistant.library.embeddings import EmbeddingError
from assistant.library.protocol import SearchLibrary
from assistant.library.store import EmbeddingMismatchError, LibraryError

#: The most characters of one reference passage given to a prompt.
DEFAULT_REFERENCE_CHARS = 1200
#: References given to one part, and the characters they may take in one call
#: (≈1,000 tokens at the ~1.5 characters per token typical of Chinese). A hit is a whole point;
#: one longer than its share (max_chars / k, at most DEFAULT_REFERENCE_CHARS) is cut to whole
#: sentences around the match, so one long point cannot crowd out the others.
DEFAULT_REFS_PER_PART = 3
DEFAULT_REF_CHARS = 1500
# Query embedding time grows with length; a heading plus the key facts fits in this.
QUERY_MAX_CHARS = 80

Warn = Callable[[str], None]

#: Which brief fields make the search query of each part.
ROLE_QUERY_FIELDS: dict[str, tuple[str, ...]] = {
    "opening": ("meeting", "targets", "issues"),
    "harm": ("issues", "facts"),
    "causes": ("issues",),
    "decisions": ("decisions", "issues"),
    "rectification": ("requirements", "issues"),
    "closing": ("requirements",),
    "other": ("issues",),
}


def build_query(plan: SpeechPlan, role: str, heading: str = "") -> str:
    """Search query for one part: its heading (or role) plus the brief facts it is about."""
    kind, brief = plan.kind, plan.brief
    spec = kind.role_spec(role)
    head = heading or (spec.heading_for(kind.topic) if spec else "")
    if not head:
        head = f"{kind.name}{ROLE_LABELS.get(role, '')}"
    items = [head]
    for name in ROLE_QUERY_FIELDS.get(role, ROLE_QUERY_FIELDS["other"]):
        value = getattr(brief, name)
        items.extend(value if isinstance(value, list) else [value])
    query = "；".join(x for x in items if x)
    return query[:QUERY_MAX_CHARS].strip() or brief.meeting


def search_references(
    library: SearchLibrary | None,
    plan: SpeechPlan,
    query: str,
    *,
    role: str | None,
    k: int,
    kind: str | None = None,
    mode: str = "hybrid",
    same_kind_first: str | None = None,
    warn: Warn | None = None,
) -> list[SearchHit]:
    """The brief's preferred documents first, then all others; excluded documents never.

    ``same_kind_first``: among the others, speeches of this kind come first (relevance order
    is kept inside each group), as same-kind speeches are the better models. A library indexed with another embedding model is searched by keywords (BM25) instead;
    a library that fails gives no references and one warning, and writing goes on.
    """
    if library is None or not query.strip():
        return []
    brief = plan.brief
    args: dict = {"k": k, "role": role, "kind": kind, "mode": mode}
    if brief.exclude_docs:
        args["exclude_doc_ids"] = list(brief.exclude_docs)
    groups = [{"doc_ids": list(brief.prefer_docs)}] if brief.prefer_docs else []
    hits: list[SearchHit] = []
    for extra in [*groups, {}]:
        try:
            try:
                got = library.search(query, **args, **extra)
            except EmbeddingMismatchError:
                got = library.search(query, **{**args, "mode": "bm25"}, **extra)
        except (LibraryError, EmbeddingError) as e:
            if warn is not None:
                warn(f"检索范文失败，本部分不使用参考资料：{e}")
            return []
        # A stable order for equal scores keeps drafts reproducible.
        got = sorted(got, key=lambda h: (-h.score, h.chunk_id))
        if same_kind_first and not extra:
            got.sort(key=lambda h: h.kind != same_kind_first)
        hits += got
    return hits


def _ref_key(hit: SearchHit) -> str:
    return "".join(hit.text.split())


def fit_reference(hit: SearchHit, max_chars: int) -> SearchHit:
    """The hit with its text within max_chars: the whole point, or whole sentences around the match."""
    text = excerpt(hit.text, hit.matched, max_chars)
    return hit if text == hit.text else hit.model_copy(update={"text": text})


def select_references(
    hits: Iterable[SearchHit],
    used: set[str],
    k: int = DEFAULT_REFS_PER_PART,
    max_chars: int = DEFAULT_REF_CHARS,
) -> list[SearchHit]:
    """Up to k hits not used by another part, each fitted to its share, within max_chars; marks them used."""
    share = max(1, min(DEFAULT_REFERENCE_CHARS, max_chars // max(k, 1)))
    out: list[SearchHit] = []
    total = 0
    for h in hits:
        # A point used by one part is not given to another, whichever of its chunks matched.
        keys = {h.chunk_id, h.unit, _ref_key(h)} - {""}
        if keys & used:
            continue
        fitted = fit_reference(h, share)
        n = len(fitted.text)
        if total + n > max_chars:
            continue  # a shorter hit further down may still fit
        out.append(fitted)
        total += n
        used.update(keys)
        if len(out) >= k:
            break
    return out


def part_references(
    library: SearchLibrary | None,
    plan: SpeechPlan,
    role: str,
    *,
    heading: str = "",
    query: str | None = None,
    used: set[str] | None = None,
    per_part: int = DEFAULT_REFS_PER_PART,
    max_chars: int = DEFAULT_REF_CHARS,
    warn: Warn | None = None,
) -> list[SearchHit]:
    """References for one part: role-filtered when the kind has the role, same-kind speeches first."""
    filtered = role if plan.kind.role_spec(role) and role != "other" else None
    q = query if query is not None else build_query(plan, role, heading)
    hits = search_references(
        library, plan, q, role=filtered, k=per_part * 3, same_kind_first=plan.kind.id, warn=warn
    )
    return select_references(hits, set() if used is None else used, per_part, max_chars)


def retrieve_references(
    plan: SpeechPlan,
    library: SearchLibrary | None,
    *,
    per_part: int = DEFAULT_REFS_PER_PART,
    max_chars: int = DEFAULT_REF_CHARS,
    used: set[str] | None = None,
    warn: Warn | None = None,
) -> dict[str, list[SearchHit]]:
    """References for each role of the kind, role-filtered, de-duplicated across parts, budgeted."""
    used = set() if used is None else used
    warned: list[str] = []

    def once(msg: str) -> None:
        if not warned and warn is not None:
            warn(msg)  # one warning, not one per part
        warned.append(msg)

    return {
        spec.role: part_references(
            library, plan, spec.role, used=used, per_part=per_part, max_chars=max_chars, warn=once
        )
        for spec in plan.kind.roles
    }


def outline_references(
    refs: Mapping[str, Sequence[SearchHit]], max_chars: int = DEFAULT_REF_CHARS
) -> list[SearchHit]:
    """The best reference of each part (in speech order), within the budget, for the outline."""
    out: list[SearchHit] = []
    total = 0
    for depth in range(2):
        for hits in refs.values():
            if len(hits) > depth:
                h = hits[depth]
                n = min(len(h.text), DEFAULT_REFERENCE_CHARS)
                if total + n <= max_chars:
                    out.append(h)
                    total += n
    return out
