"""Meeting kinds as data: every shipped kind file loads, and a new kind is just a new file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from assistant.domain.kinds import (
    BODY_ROLES,
    PART_ROLES,
    KindError,
    detect_kind,
    load_kind_file,
    load_kinds,
    resolve_kind,
)
from tests.shared import STRUCTURES

SHIPPED = {
    "business_env",
    "eco_env",
    "food_market",
    "gas_fire",
    "integrity",
    "investment",
    "land",
    "petition",
    "project_delay",
    "statistics",
    "work_safety",
    "general",
}


@pytest.fixture(scope="module")
def kinds():
    return load_kinds(STRUCTURES)


def test_all_shipped_kinds_load(kinds):
    assert set(kinds) == SHIPPED
    assert list(kinds)[-1] == "general"  # the fallback is listed last
    assert kinds["general"].name == "通用约谈"


@pytest.mark.parametrize("kind_id", sorted(SHIPPED))
def test_each_kind_has_roles_in_order_and_shares_sum_to_one(kinds, kind_id):
    kind = kinds[kind_id]
    roles = [r.role for r in kind.roles]
    assert roles[0] == "opening" and roles[-1] == "closing"
    assert [r for r in roles if r in BODY_ROLES] == list(BODY_ROLES)
    assert [PART_ROLES.index(r) for r in roles] == sorted(PART_ROLES.index(r) for r in roles)
    assert abs(sum(r.share for r in kind.roles) - 1.0) <= 0.02
    assert kind.emphasis and kind.tone and kind.name
    for spec in kind.body_roles:
        assert spec.heading and spec.markers in ("一是", "一要", "（一）")
        assert spec.must_contain
        assert "{" not in spec.heading_for("测试问题")
    # part lengths add up to (about) the total
    assert abs(sum(kind.part_lengths(3000)) - 3000) <= 10


def test_existing_parser_keys_are_kept(kinds):
    for kind_id in SHIPPED - {"general"}:
        data = yaml.safe_load((STRUCTURES / f"{kind_id}.yaml").read_text(encoding="utf-8"))
        assert {"id", "name", "aliases", "keywords"} <= set(data)
        assert data["keywords"], kind_id
    assert kinds["business_env"].keywords[-1] == "12345"  # YAML number kept as text


def test_general_never_wins_keyword_detection():
    text = "在全市安全生产约谈会上的讲话\n今天召开约谈会，事故隐患突出。"
    assert detect_kind(text, load_kinds(STRUCTURES)) == "work_safety"
    assert detect_kind("在某某约谈会上的讲话", load_kinds(STRUCTURES)) != "general"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("work_safety", "work_safety"),
        ("WORK_SAFETY", "work_safety"),
        ("安全生产约谈", "work_safety"),
        ("安全生产", "work_safety"),
        ("廉政提醒谈话", "integrity"),
        ("食品安全", "food_market"),
        ("市场监管约谈", "food_market"),
        ("通用约谈", "general"),
        (" 信访工作约谈 ", "petition"),
    ],
)
def test_resolve_kind_by_id_name_or_alias(kinds, query, expected):
    assert resolve_kind(query, kinds).id == expected


def test_resolve_unknown_kind_lists_valid_kinds(kinds):
    with pytest.raises(KindError) as ei:
        resolve_kind("不存在的约谈", kinds)
    msg = str(ei.value)
    assert "不存在的约谈" in msg
    assert "work_safety（安全生产约谈）" in msg and "general（通用约谈）" in msg


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "structures"
    shutil.copytree(STRUCTURES, d)
    return d


def test_adding_a_kind_is_adding_a_file(tmp_path):
    d = _copy(tmp_path)
    data = yaml.safe_load((d / "general.yaml").read_text(encoding="utf-8"))
    data.update(
        id="flood_control",
        name="防汛防台约谈",
        aliases=["防汛约谈"],
        keywords=["防汛", "防台", "汛期"],
        topic="防汛隐患",
    )
    (d / "flood_control.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    kinds = load_kinds(d)
    assert "flood_control" in kinds
    assert resolve_kind("防汛约谈", kinds).id == "flood_control"
    assert kinds["flood_control"].headings()[0] == "正视问题，充分认清防汛隐患的严重危害"
    assert detect_kind("在全县防汛防台约谈会上的讲话\n汛期将至，防汛隐患突出", kinds) == "flood_control"


def _write_bad(d: Path, mutate) -> Path:
    data = yaml.safe_load((d / "general.yaml").read_text(encoding="utf-8"))
    data.update(id="broken", name="坏文件", aliases=[])
    mutate(data)
    path = d / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shares_must_sum_to_one(tmp_path):
    d = _copy(tmp_path)

    def mutate(data):
        data["roles"][1]["share"] = 0.5

    _write_bad(d, mutate)
    with pytest.raises(KindError) as ei:
        load_kinds(d)
    msg = str(ei.value)
    assert "broken.yaml" in msg and "share" in msg and "1" in msg


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda data: data["roles"][2].update(role="harmm"), ["broken.yaml", "roles 第3项 role"]),
        (lambda data: data["roles"][1].pop("must_contain"), ["broken.yaml", "缺少必填字段", "must_contain"]),
        (lambda data: data["roles"][1].update(markers="甲是"), ["broken.yaml", "markers"]),
        (lambda data: data["roles"][1].update(colour="红"), ["broken.yaml", "colour", "不是有效字段"]),
        (lambda data: data.update(emphasiss="x"), ["broken.yaml", "emphasiss", "不是有效字段"]),
        (lambda data: data["roles"].reverse(), ["broken.yaml", "opening"]),
        (lambda data: data["roles"].pop(3), ["broken.yaml", "decisions"]),
        (lambda data: data["roles"][1].update(heading="认清{problem}的危害"), ["broken.yaml", "{problem}"]),
        (lambda data: data.update(id="other_id"), ["broken.yaml", "id", "broken"]),
    ],
)
def test_bad_kind_file_names_file_and_field(tmp_path, mutate, words):
    d = _copy(tmp_path)
    path = _write_bad(d, mutate)
    with pytest.raises(KindError) as ei:
        load_kind_file(path)
    for w in words:
        assert w in str(ei.value)


def test_invalid_yaml_names_file(tmp_path):
    d = _copy(tmp_path)
    (d / "broken.yaml").write_text("id: broken\nroles: [\n", encoding="utf-8")
    with pytest.raises(KindError, match="broken.yaml"):
        load_kinds(d)


def test_duplicate_alias_is_an_error(tmp_path):
    d = _copy(tmp_path)

    def mutate(data):
        data["aliases"] = ["安全生产约谈"]

    _write_bad(d, mutate)
    with pytest.raises(KindError, match="安全生产约谈"):
        load_kinds(d)
