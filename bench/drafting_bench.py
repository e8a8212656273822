"""Drafting benchmark: local overhead, prompt sizes and estimated token cost of one speech.

    .venv/bin/python bench/drafting_bench.py [--runs 10] [--brief tests/fixtures/briefs/work_safety.json]
                                             [--work DIR] [--corpus corpus]

The LLM is the fake OpenAI-compatible server from tests/fakes, started in-process and
answering instantly with text of the requested length, so every second measured outside
the model calls is the app's own work (retrieval with the bundled embedding model over the
whole corpus, prompt building, parsing and cleaning). Prints Markdown tables.

Token figures are ESTIMATES at ~1.5 Chinese characters per token (typical of current
Chinese-capable tokenizers); the price is an ASSUMPTION (DeepSeek-chat list price, see
--price-in/--price-out), not a quote.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from assistant.domain.brief import load_brief  # noqa: E402
from assistant.domain.kinds import default_kinds  # noqa: E402
from assistant.domain.plan import make_plan  # noqa: E402
from assistant.library.embeddings import make_embedder  # noqa: E402
from assistant.library.ingest import ingest_paths  # noqa: E402
from assistant.library.references import outline_references, retrieve_references  # noqa: E402
from assistant.library.store import Library  # noqa: E402
from assistant.llm import LLMConfig, make_chat_model  # noqa: E402
from assistant.support.config import get_settings  # noqa: E402
from assistant.writing.drafting import draft_speech, estimate_tokens  # noqa: E402
from assistant.writing.events import DraftFinished  # noqa: E402
from assistant.writing.model_calls import stage_label  # noqa: E402
from assistant.writing.offline import compose_offline  # noqa: E402
from assistant.writing.outline import skeleton_outline  # noqa: E402
from assistant.writing.prompts.messages import outline_messages, section_messages  # noqa: E402
from assistant.writing.prompts.templates import default_prompts  # noqa: E402
from tests.fakes.server import FakeOpenAI, Reply  # noqa: E402

SENTENCES = [
    "必须以对人民高度负责的态度抓好每一项工作。",
    "各单位要把压力变成动力，拿出过硬的举措。",
    "问题就是命令，时间就是效率。",
    "决不允许推诿扯皮、敷衍塞责。",
    "要把责任压实到岗位、落实到个人。",
]
_TARGET_RE = re.compile(r"篇幅：约 (\d+) 字")


def prose(n: int) -> str:
    out, i = "", 0
    while len(out) < n:
        out += SENTENCES[i % len(SENTENCES)]
        i += 1
    return out[:n]


def outline_for(plan) -> str:
    """A realistic outline: the kind's skeleton (what a model's outline looks like)."""
    return skeleton_outline(plan)


def make_default(plan):
    """Instant replies: the outline for outline requests, text of the asked length otherwise."""

    def reply(request: dict) -> Reply:
        user = request["messages"][-1]["content"]
        if "拟写讲话提纲" in user:
            return Reply(text=outline_for(plan), chunk_size=0)
        m = _TARGET_RE.search(user)
        n = int(m.group(1)) if m else 300
        return Reply(text=prose(n), chunk_size=0)

    return reply


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(x: float) -> str:
    return f"{x * 1000:.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--brief", type=Path, default=REPO / "tests/fixtures/briefs/work_safety.json")
    ap.add_argument("--corpus", type=Path, default=REPO / "corpus")
    ap.add_argument("--work", type=Path, default=None, help="data dir (default: a temp dir)")
    ap.add_argument("--price-in", type=float, default=2.0, help="¥ per million input tokens (assumed)")
    ap.add_argument("--price-out", type=float, default=8.0, help="¥ per million output tokens (assumed)")
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="drafting-bench-"))
    settings = get_settings(data_dir=work)
    brief = load_brief(args.brief)
    kinds = default_kinds(settings.structures_dir)
    plan = make_plan(brief, kinds)
    kind = plan.kind
    prompts = default_prompts(settings.prompts_dir)

    t0 = time.perf_counter()
    library = Library(settings, make_embedder(settings))
    if library.chunk_count() == 0:
        ingest_paths(library, [args.corpus])
    build_s = time.perf_counter() - t0
    docs = library.list_documents()

    with FakeOpenAI(api_key="bench-key", default=make_default(plan)) as srv:
        cfg = LLMConfig(
            provider="custom", base_url=srv.base_url, model="fake-model", api_key="bench-key",
            timeout=30, max_retries=0,
        )
        model = make_chat_model(cfg)

        # cold run: loads the embedding model and warms caches; reported separately
        finished: list[DraftFinished] = []
        t = time.perf_counter()
        draft_speech(plan, library, model, prompts, lambda e: finished.append(e) if isinstance(e, DraftFinished) else None)
        cold_total = time.perf_counter() - t
        cold_local = finished[-1].local_s

        local, total, llm = [], [], []
        retrieval, prompt_build = [], []
        for _ in range(args.runs):
            srv.reset()
            finished.clear()
            t = time.perf_counter()
            draft = draft_speech(
                plan, library, model, prompts,
                lambda e: finished.append(e) if isinstance(e, DraftFinished) else None,
            )
            total.append(time.perf_counter() - t)
            local.append(finished[-1].local_s)
            llm.append(finished[-1].llm_s)

            # the two local stages on their own
            t = time.perf_counter()
            refs = retrieve_references(plan, library)
            retrieval.append(time.perf_counter() - t)
            t = time.perf_counter()
            outline_messages(plan, prompts, outline_references(refs))
            written = ""
            for spec, part in zip(kind.roles, draft.parts[2:], strict=True):
                section_messages(
                    plan, prompts, role=spec.role, outline=draft.outline, written=written,
                    references=refs[spec.role],
                )
                written += part.text + "\n"
            prompt_build.append(time.perf_counter() - t)
        requests = srv.chat_requests()

    # ---- per-call prompt sizes (last run)
    stages = ["提纲"] + [
        stage_label(p.role, p.number) for p in draft.parts[2:]
    ]
    rows = []
    in_chars = 0
    for stage, req in zip(stages, requests, strict=False):
        msgs = req.json["messages"]
        chars = sum(len(m["content"]) for m in msgs)
        system = len(msgs[0]["content"])
        refs_chars = sum(
            len(b) for b in re.findall(r"<参考资料 [^>]*>\n(.*?)\n</参考资料>", msgs[-1]["content"], re.S)
        )
        in_chars += chars
        rows.append((stage, chars, system, refs_chars, estimate_tokens(chars)))
    out_chars = len(draft.outline) + len(draft.text)
    in_tok, out_tok = estimate_tokens(in_chars), estimate_tokens(out_chars)
    cost = in_tok * args.price_in / 1e6 + out_tok * args.price_out / 1e6

    offline_times: list[float] = []
    compose_offline(plan, library, kinds)  # warm
    for _ in range(args.runs):
        t = time.perf_counter()
        compose_offline(plan, library, kinds)
        offline_times.append(time.perf_counter() - t)

    print(f"## Drafting benchmark — brief `{args.brief.name}` ({kind.name}, target {brief.length} 字)\n")
    print(
        f"Library: {len(docs)} speeches, {library.chunk_count()} chunks, embedding `{library.embedder.id}` "
        f"(built/opened in {build_s:.1f} s). LLM: in-process fake server, instant replies of the "
        f"requested length. {args.runs} runs after one cold run.\n"
    )
    print("| measure | p50 | p95 |")
    print("|---|---|---|")
    print(f"| local time per draft (everything but model calls) | {ms(statistics.median(local))} | {ms(pct(local, 0.95))} |")
    print(f"| — retrieval (6 role-filtered hybrid searches) | {ms(statistics.median(retrieval))} | {ms(pct(retrieval, 0.95))} |")
    print(f"| — prompt building (outline + 6 parts) | {ms(statistics.median(prompt_build))} | {ms(pct(prompt_build, 0.95))} |")
    print(f"| time inside the (fake, instant) model calls | {ms(statistics.median(llm))} | {ms(pct(llm, 0.95))} |")
    print(f"| whole draft_speech() wall time | {ms(statistics.median(total))} | {ms(pct(total, 0.95))} |")
    if offline_times:
        print(f"| offline composer (compose_offline) | {ms(statistics.median(offline_times))} | {ms(pct(offline_times, 0.95))} |")
    print(f"\nCold first run: local {ms(cold_local)}, total {ms(cold_total)} (includes loading the embedding model).\n")

    print("### Prompt size per call (last run)\n")
    print("| call | prompt chars | of which system | of which references | est. tokens (÷1.5) |")
    print("|---|---|---|---|---|")
    for stage, chars, system, refs_chars, tok in rows:
        print(f"| {stage} | {chars} | {system} | {refs_chars} | {tok} |")
    print(f"| **total input** | {in_chars} | | | {in_tok} |")

    print("\n### Estimated token cost of one speech\n")
    print(
        f"Output: outline {len(draft.outline)} + speech {len(draft.text)} characters ≈ {out_tok} tokens; "
        f"input ≈ {in_tok} tokens over {len(rows)} calls (no outline re-ask, no length adjustment).\n"
    )
    print("| assumption | input | output | cost per speech |")
    print("|---|---|---|---|")
    print(
        f"| DeepSeek-chat list price (ASSUMED: ¥{args.price_in:g}/M input, ¥{args.price_out:g}/M output), "
        f"~1.5 chars/token (ESTIMATE) | ¥{in_tok * args.price_in / 1e6:.4f} | "
        f"¥{out_tok * args.price_out / 1e6:.4f} | **¥{cost:.4f}** |"
    )
    per_100 = cost * 100
    print(f"\n≈ ¥{per_100:.2f} per 100 speeches at these assumptions.")


if __name__ == "__main__":
    main()
