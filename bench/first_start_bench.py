"""First start on an empty data dir: how long until the corpus is indexed, and until the page is usable.

    .venv/bin/python bench/first_start_bench.py [--runs 3] [--repo PATH] [--skip-app] [--skip-cli]

Every run starts from a new, empty data dir (so also an empty vector cache). Measured:

- CLI: `assistant ingest corpus/` and `assistant draft --offline` (which indexes the corpus on
  first use), wall time of the whole command;
- app: `streamlit run app.py`, then Debian's headless Chromium (/usr/bin/chromium): seconds from
  the server answering /_stcore/health to the draft form being visible and accepting text, and to
  the notice that the corpus is indexed; afterwards the text typed into the form must still be
  there and the 范文库 tab must count every speech.

--repo measures another checkout (e.g. the code before precomputed vectors) with this script.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BRIEF = {
    "meeting": "青石县学校食堂食品安全问题约谈会",
    "speaker": "青石县人民政府副县长",
    "targets": ["青石县教育局"],
    "issues": ["部分学校食堂原料进货查验记录缺失"],
    "decisions": ["对青石县教育局予以通报批评"],
    "requirements": ["9月30日前完成全县学校食堂专项检查"],
}


def _env(repo: Path, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ASSISTANT_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update(ASSISTANT_DATA_DIR=str(data_dir), PYTHONPATH=str(repo / "src"))
    return env


def cli_run(repo: Path, args: list[str]) -> float:
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "data"
        (Path(d) / "brief.json").write_text(json.dumps(BRIEF, ensure_ascii=False), encoding="utf-8")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant.cli", "--data-dir", str(data), *args],
                       cwd=d, env=_env(repo, data), check=True, capture_output=True)
        return time.perf_counter() - t


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_run(repo: Path, expected_docs: int) -> dict:
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as d, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        port = _free_port()
        log = open(Path(d) / "streamlit.log", "w")  # noqa: SIM115
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(repo / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=d, env=_env(repo, Path(d) / "data"), stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            while True:
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            health = time.perf_counter()
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(url)
            meeting = page.get_by_label("会议名称")
            expect(meeting).to_be_editable(timeout=600_000)
            meeting.fill(BRIEF["meeting"])
            form = time.perf_counter()
            expect(page.get_by_text("内置范文导入完成").first).to_be_visible(timeout=600_000)
            indexed = time.perf_counter()
            expect(page.get_by_label("会议名称")).to_have_value(BRIEF["meeting"])
            page.get_by_role("tab", name="范文库").click()
            expect(page.get_by_text(f"{expected_docs} 篇").first).to_be_visible(timeout=60_000)
            return {"server": health - started, "form": form - health, "indexed": indexed - health}
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repo", type=Path, default=HERE)
    ap.add_argument("--skip-app", action="store_true")
    ap.add_argument("--skip-cli", action="store_true")
    args = ap.parse_args()
    repo = args.repo.resolve()
    docs = len(list((repo / "corpus").glob("*-*.md")))
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{repo} ({docs} speeches)")
    print("load before:", os.getloadavg())
    results: dict[str, list[float]] = {}
    for n in range(args.runs):
        if not args.skip_cli:
            results.setdefault("CLI ingest corpus/", []).append(
                cli_run(repo, ["ingest", str(repo / "corpus"), "--json"]))
            results.setdefault("CLI draft --offline (first use)", []).append(
                cli_run(repo, ["draft", "--brief", "brief.json", "--offline", "-q", "--out", "d.json"]))
        if not args.skip_app:
            app = app_run(repo, docs)
            for key, label in (("server", "app: process start → health"),
                               ("form", "app: health → form usable"),
                               ("indexed", "app: health → corpus indexed")):
                results.setdefault(label, []).append(app[key])
        print(f"run {n + 1}:", {k: round(v[-1], 1) for k, v in results.items()}, "load", os.getloadavg(),
              flush=True)
    print(f"\n| measure | median of {args.runs} (s) | runs (s) |\n|---|---|---|")
    for label, values in results.items():
        print(f"| {label} | {statistics.median(values):.1f} | {', '.join(f'{v:.1f}' for v in values)} |")
    print("load after:", os.getloadavg())


if __name__ == "__main__":
    main()
