"""校对 in the page and on a saved draft: findings by rule, a safe fix applied with one click."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from assistant.domain.models import Draft, DraftPart
from assistant.drafts.workspace import update_workspace
from assistant.review.checks import apply_to_draft, run_checks
from tests.app_flows import document_text, open_draft_id, session_of, start, store, texts
from tests.scenario import BRIEF, HEADINGS


@pytest.fixture
def project_delay_corpus(use_corpus):
    """One bundled speech as the corpus: the page needs one to start; the draft is what is checked."""
    return use_corpus("project_delay-01.md")


def _draft() -> Draft:
    parts = [
        ("title", 0, BRIEF["title"]),
        ("salutation", 0, "同志们："),
        ("opening", 0, "今天召开约谈会，约谈青石县交通运输局、青石县水利局、云溪镇人民政府。下面，我讲几点意见。"),
        ("harm", 1, f"一、{HEADINGS[0]}\n（一）各单位要认真布署，再接再励。\n（二）县城东环路改造工程形象进度仅完成计划的35%。"),
        ("causes", 2, f"二、{HEADINGS[1]}\n一是责任传导层层递减。\n二是前期工作不实。"),
        ("decisions", 3, f"三、{HEADINGS[2]}\n（一）对青石县交通运输局予以全县通报批评。"),
        ("rectification", 4, f"四、{HEADINGS[3]}\n一要8月10日前报送整改方案。\n二要9月30日前完成全部征地签约。"),
        ("closing", 0, "同志们，时不我待。"),
    ]  # fmt: skip
    return Draft(title=BRIEF["title"], kind="project_delay",
                 parts=[DraftPart(role=r, number=n, text=t) for r, n, t in parts])


def test_a_suggestion_is_applied_inside_its_part():
    draft = _draft()
    report = run_checks(draft.text)
    slip = next(f for f in report.findings if f.excerpt == "布署")
    assert slip.severity == "error" and slip.suggestion == "部署"
    fixed = apply_to_draft(draft, slip)
    assert "认真部署" in fixed.parts[3].text and "布署" not in fixed.text
    assert [p.text for i, p in enumerate(fixed.parts) if i != 3] == [
        p.text for i, p in enumerate(draft.parts) if i != 3
    ]


def _open(draft: Draft, data_dir) -> AppTest:
    """The page with ``draft`` open in its session (as 我的稿件 opens one)."""
    at = start()
    record = store(data_dir).create(draft, "测试")
    update_workspace(data_dir, session_of(at), draft_id=record.draft_id)
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_review_applies_a_fix_as_a_new_version(project_delay_corpus, data_dir):
    at = _open(_draft(), data_dir)
    shown = "\n".join(m.value for m in at.markdown)
    assert "布署" in shown and "再接再励" in shown
    button = next(b for b in at.button if b.label == "采用：“布署”改为“部署”")
    button.click().run()
    assert not at.exception, at.exception
    text = document_text(at)
    assert "认真部署" in text and "布署" not in text
    record = store(data_dir).record(open_draft_id(at, data_dir))
    assert record.latest.number == 2 and record.latest.reason == "采用校对建议：“布署”改为“部署”"
    # The same slip is no longer listed; the other one still is.
    shown = "\n".join(m.value for m in at.markdown)
    assert "“布署”" not in shown and "再接再励" in shown


def test_conformance_warnings_are_shown_with_their_part(project_delay_corpus, data_dir):
    draft = _draft()
    draft.parts[6].warnings = ["要点未写入：整改要求“9月30日前完成全部征地签约”在稿中找不到对应的表述。"]
    at = _open(draft, data_dir)
    assert "要点未写入：整改要求“9月30日前完成全部征地签约”" in texts(at)
