"""The pages without a browser: roles, CSRF, errors, the shipped examples and labels,
the editor's field mapping and practice scoring."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from api import create_app
from diagnostics.knowledge import Knowledge
from diagnostics.practice import Scenario, board, score, telling_check
from graph.snapshot import Snapshot, thaw
from graph.sqlite import SqliteStore
from web.examples import examples
from web.fields import editable_fields, form_to_data
from web.i18n import LABELS

from .conftest import SHARED


def _client(store: SqliteStore, role: str, csrf: bool = False, name: str = "") -> FlaskClient:
    app = create_app({"KGDIAG_DB": str(store.path), "WTF_CSRF_ENABLED": csrf})
    client = app.test_client()
    if role:
        info = store.verify_token(store.create_token(role, name or f"pages-{role}"))
        assert info is not None
        with client.session_transaction() as session:
            session["sid"] = store.create_session(info.id)
    return client


def test_the_shipped_examples_are_the_contracts() -> None:
    if not SHARED.exists():
        pytest.skip("../shared is not beside this checkout")
    contract = yaml.safe_load((SHARED / "examples" / "cases.yaml").read_text(encoding="utf-8"))
    assert list(examples()) == contract


def test_every_label_has_chinese_and_english() -> None:
    for key, texts in LABELS.items():
        assert set(texts) == {"zh", "en"}, key
        assert all(isinstance(v, str) and v.strip() for v in texts.values()), key


def test_every_label_a_template_uses_exists() -> None:
    from pathlib import Path

    from web import __file__ as web_init

    used: set[str] = set()
    for path in (Path(web_init).parent / "templates").glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_]+)'\)", path.read_text(encoding="utf-8")))
    for path in Path(web_init).parent.glob("*.py"):
        used |= set(re.findall(r'\bt\("([a-z_]+)"\)', path.read_text(encoding="utf-8")))
    assert used and used <= set(LABELS), sorted(used - set(LABELS))


def test_form_posts_without_csrf_token_are_refused(store: SqliteStore) -> None:
    client = _client(store, "senior", csrf=True)
    revision = store.revision()
    for url in (
        "/login",
        "/",
        "/outcome",
        "/edit/card_key_invalid",
        "/revert",
        "/edit/new/Check",
        "/edit/template-preview",
    ):
        response = client.post(url, data={"revision": str(revision)})
        assert response.status_code == 400, url
        assert "CSRF" in response.get_data(as_text=True)
    assert store.revision() == revision


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/edit"),
        ("GET", "/edit/card_key_invalid"),
        ("POST", "/edit/card_key_invalid"),
        ("POST", "/edit/card_key_invalid/edges"),
        ("POST", "/edit/card_key_invalid/delete"),
        ("GET", "/edit/new/Check"),
        ("POST", "/edit/new/Check"),
        ("POST", "/edit/template-preview"),
        ("GET", "/history"),
        ("GET", "/history/1/revert"),
        ("GET", "/history/1"),
        ("POST", "/revert"),
    ],
)
def test_an_agent_is_refused_every_editor_page(store: SqliteStore, method: str, url: str) -> None:
    client = _client(store, "agent")
    revision = store.revision()
    data = {
        "revision": str(revision),
        "f.title.zh": "x",
        "action": "unlink",
        "to_revision": "1",
        "message": "x",
        "confirm": "yes",
    }
    response = client.open(url, method=method, data=data, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert response.content_type.startswith("text/html")
    assert store.revision() == revision


def test_pages_need_a_login_and_errors_are_pages(store: SqliteStore) -> None:
    anonymous = _client(store, "")
    response = anonymous.get("/train")
    assert response.status_code == 302 and "/login?next=/train" in response.headers["Location"]
    senior = _client(store, "senior")
    missing = senior.get("/edit/no_such_node", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "no_such_node" in missing.get_data(as_text=True)
    assert missing.content_type.startswith("text/html")
    api = senior.get("/v1/nope", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_login_never_redirects_off_site(store: SqliteStore) -> None:
    client = _client(store, "", csrf=False)
    token = store.create_token("agent", "redirect")
    response = client.post("/login?next=//evil.example/x", data={"token": token})
    assert response.headers["Location"] == "/"


def test_the_editor_round_trips_a_node_unchanged(snapshot: Snapshot) -> None:
    for node_id in ("card_key_invalid", "paste_format_error", "key_paste_noise", "send_clean_key"):
        data = thaw(snapshot.node(node_id))
        form: dict[str, str] = {}
        for field in editable_fields(data):
            for lang, value in field.values.items():
                form[field.input_name(lang)] = value
        assert form_to_data(data, form) == data, node_id


def test_the_editor_maps_phrases_cel_and_numbers(snapshot: Snapshot) -> None:
    data = thaw(snapshot.node("card_key_invalid"))
    names = [f.name for f in editable_fields(data)]
    assert names[:3] == ["title", "description", "phrases"]
    assert {"fits_order", "service_level.first_response_minutes"} <= set(names)
    changed = form_to_data(
        data,
        {
            "f.phrases.zh": "卡密无效\r\n\r\n  按钮是灰的  ",
            "f.fits_order": " true ",
            "f.service_level.first_response_minutes": "7",
        },
    )
    assert changed["phrases"]["zh"] == ["卡密无效", "按钮是灰的"]
    assert changed["phrases"]["en"] == data["phrases"]["en"]
    assert changed["fits_order"] == "true"
    assert changed["service_level"]["first_response_minutes"] == 7
    assert data["phrases"]["zh"] != changed["phrases"]["zh"]  # the input is not mutated


def _scenario(case_id: str) -> Scenario:
    case = next(c for c in examples() if c["id"] == case_id)
    return Scenario(
        case_id, "", case["request"], case["expect"]["symptom"], case["expect"]["cause"]
    )


def test_practice_scores_a_detour_against_the_engine(snapshot: Snapshot) -> None:
    played = board(snapshot, _scenario("ex-02"), Knowledge(), by_hand=True)
    assert not played.system_cards  # by hand, the trainee does every check
    decisive = played.cards["product_region_differs"]
    assert decisive.finds and decisive.result == "fail" and decisive.minutes > 0
    direct = score(played, ["product_region_differs"])
    detour = score(played, ["check_redemption_record", "product_region_differs"])
    assert direct.found_at == 0 and detour.found_at == 1
    assert detour.minutes == direct.minutes + played.cards["check_redemption_record"].minutes
    assert direct.engine_minutes == detour.engine_minutes
    assert detour.expected > direct.expected  # the detour costs on average too
    # The engine's greedy order is no worse in expectation than the trainee's detour.
    assert detour.engine_expected <= detour.expected + 1e-9
    with pytest.raises(ValueError, match="not a check"):
        score(played, ["no_such_check"])


def test_practice_as_in_the_console_shows_the_systems_checks(snapshot: Snapshot) -> None:
    played = board(snapshot, _scenario("ex-01"), Knowledge())
    done = {c.id: c for c in played.system_cards}
    assert done["key_paste_noise"].finds and done["key_paste_noise"].minutes == 0
    assert "key_paste_noise" not in {c.id for c in played.open_cards}
    assert score(played, []).system_found


def test_practice_on_a_recorded_outcome(store: SqliteStore) -> None:
    client = _client(store, "agent")
    store.records.record_outcome(
        author="t",
        case_id=None,
        symptom="card_key_invalid",
        cause="region_lock",
        resolution=_first_fix(store, "region_lock"),
        product="apple-us-50",
        supplier=None,
        order_no="P1",
        note="",
        graph_revision=store.revision(),
    )
    listing = client.get("/practice").get_data(as_text=True)
    scenario = re.search(r'data-scenario="(case-\d+)"', listing)
    assert scenario is not None
    page = client.post(
        f"/practice/{scenario.group(1)}", data={"path": "", "guess": "region_lock"}
    ).get_data(as_text=True)
    assert 'data-cause="region_lock"' in page and "判断正确" in page


def _first_fix(store: SqliteStore, cause: str) -> str:
    fixes: list[Any] = sorted(store.snapshot().out_edges(cause, "resolved_by"))
    return str(fixes[0][0])


def test_a_senior_links_and_unlinks_through_the_gate(store: SqliteStore) -> None:
    client = _client(store, "senior")
    revision = store.revision()
    edges = "/edit/region_lock/edges"
    linked = client.post(
        edges,
        data={
            "revision": str(revision),
            "action": "link",
            "type": "tested_by",
            "target": "key_paste_noise",
            "data": "p_fail: 0.2",
            "message": "地区问题有时也伴随粘贴错误",
        },
        follow_redirects=True,
    )
    assert "已保存" in linked.get_data(as_text=True)
    assert dict(store.snapshot().out_edges("region_lock", "tested_by"))["key_paste_noise"] == {
        "p_fail": 0.2
    }
    assert store.history(limit=1)[0].author == "pages-senior (senior)"

    # The only resolution of a cause cannot be unlinked: lint would fail.
    only = [r for r, _ in store.snapshot().out_edges("paste_format_error", "resolved_by")]
    assert len(only) == 1
    refused = client.post(
        "/edit/paste_format_error/edges",
        data={
            "revision": str(revision + 1),
            "action": "unlink",
            "source": "paste_format_error",
            "target": only[0],
            "confirm": "yes",
        },
        follow_redirects=True,
    )
    assert "cause without resolutions" in refused.get_data(as_text=True)
    assert store.revision() == revision + 1

    unlinked = client.post(
        edges,
        data={
            "revision": str(revision + 1),
            "action": "unlink",
            "source": "region_lock",
            "target": "key_paste_noise",
            "confirm": "yes",
        },
        follow_redirects=True,
    )
    assert "已保存" in unlinked.get_data(as_text=True)
    assert "key_paste_noise" not in dict(store.snapshot().out_edges("region_lock", "tested_by"))

    stale = client.post(
        edges,
        data={
            "revision": str(revision),
            "action": "unlink",
            "target": "key_paste_noise",
            "confirm": "yes",
        },
        follow_redirects=True,
    )
    assert f"expected revision {revision}" in stale.get_data(as_text=True)
    assert store.revision() == revision + 2


def test_bad_edge_yaml_is_named_not_a_crash(store: SqliteStore) -> None:
    client = _client(store, "senior")
    page = client.post(
        "/edit/region_lock/edges",
        data={
            "revision": str(store.revision()),
            "action": "link",
            "type": "tested_by",
            "target": "key_paste_noise",
            "data": "p_fail: [unclosed",
        },
        follow_redirects=True,
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "not valid YAML" in html
    # The draft is kept: the link form shows what was typed, at the field.
    assert "p_fail: [unclosed</textarea>" in html and 'value="key_paste_noise"' in html


def test_every_node_type_has_a_page_label() -> None:
    from schema import graph_schema
    from web.i18n import LABELS

    for node_type in graph_schema()["node_types"]:
        assert set(LABELS[f"type_{node_type}"]) == {"zh", "en"}


def test_the_console_files_a_case_unless_it_is_the_agents_own(store: SqliteStore) -> None:
    """Finding: posting any case_id let the console skip filing a case."""
    first, second = _client(store, "agent"), _client(store, "agent", name="other")
    order = json.dumps({"order_no": "W1"})
    form = {"order": order, "message": "卡密无效", "source": "facts"}
    first.post("/", data=form)
    (mine,) = store.records.cases(since="2000", until="9999")
    first.post("/", data={**form, "case_id": mine.ref, "evidence": "{}"})
    assert len(store.records.cases(since="2000", until="9999")) == 1  # re-diagnosed, same case
    for forged in (mine.ref, "7", "cAAAAAAAAAAAAAAAA"):
        second.post("/", data={**form, "case_id": forged})
    cases = store.records.cases(since="2000", until="9999")
    assert len(cases) == 4 and cases[0].author != cases[-1].author
    pair = f"region_lock|{_first_fix(store, 'region_lock')}"
    page = second.post(
        "/outcome", data={"case_id": mine.ref, "pair": pair}, follow_redirects=True
    ).get_data(as_text=True)
    assert "结果未保存" in page
    assert store.records.case_outcome(mine.id) is None


def test_a_senior_accepts_cleaned_words_from_the_candidate_page(store: SqliteStore) -> None:
    case = store.records.record_case(
        author="a",
        graph_revision=1,
        symptom=None,
        top_cause=None,
        confidence=0.2,
        product=None,
        supplier=None,
        order_no="W9",
        message="单号 W20261201999 的卡 绿色涂层刮花了看不清",
    )
    offered = store.records.propose_candidate(
        case_id=case.id, symptom="card_key_invalid", text=str(case.message), lang="zh"
    )
    assert _client(store, "agent").get("/candidates").status_code == 403
    senior = _client(store, "senior")
    page = senior.get("/candidates").get_data(as_text=True)
    assert f'data-candidate="{offered.id}"' in page and "W20261201999" in page
    cleaned = "我买的卡 绿色涂层刮花了看不清"
    before = store.revision()
    done = senior.post(
        f"/candidates/{offered.id}",
        data={"decision": "accept", "text": cleaned},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已收录" in done and 'id="no-candidates"' in done
    assert store.revision() == before + 1
    corpus = store.snapshot().node("corpus_card_key_invalid")
    assert {"text": cleaned, "lang": "zh", "source": f"case: {case.ref}"} in corpus["utterances"]
    assert "W20261201999" not in str(corpus)


def test_a_wrong_answer_names_the_check_that_tells_the_causes_apart(snapshot: Snapshot) -> None:
    played = board(snapshot, _scenario("ex-02"), Knowledge(), by_hand=True)  # region_lock
    assert telling_check(played, "region_lock", []) is None  # right: nothing to explain
    assert telling_check(played, "no_such_cause", []) is None
    telling = telling_check(played, "paste_format_error", [])
    assert telling is not None and not telling.done
    assert abs(telling.p_true - telling.p_guess) >= 0.2
    assert telling_check(played, "paste_format_error", [telling.check]).done  # type: ignore[union-attr]
    # A separating check the trainee did is the one to talk about.
    did = telling_check(played, "paste_format_error", ["product_region_differs"])
    assert did is not None and did.check == "product_region_differs" and did.done


def test_a_mistyped_number_keeps_its_field_and_the_draft(store: SqliteStore) -> None:
    client = _client(store, "senior")
    revision = store.revision()
    page = client.post(
        "/edit/card_key_invalid",
        data={
            "revision": str(revision),
            "action": "save",
            "f.title.zh": "卡密无效（草稿）",
            "f.service_level.resolve_minutes": "12o",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    field = html.split('data-field="service_level.resolve_minutes"')[1].split("</fieldset>")[0]
    assert 'value="12o"' in field and "不是数字" in field and "解决时限" in field
    assert "卡密无效（草稿）</textarea>" in html  # the other typed text is kept too
    assert store.revision() == revision


def test_fields_have_labels_help_and_template_variables(store: SqliteStore) -> None:
    client = _client(store, "senior")
    html = client.get("/edit/card_key_invalid?lang=en").get_data(as_text=True)
    assert "What customers say" in html and "One per line" in html
    resolution = _first_fix(store, "paste_format_error")
    html = client.get(f"/edit/{resolution}?lang=en").get_data(as_text=True)
    reply = html.split('data-field="reply"')[1].split("</fieldset>")[0]
    assert "Variables you may use" in reply and "{{ order_no }}" in reply


def test_unlink_asks_for_confirmation_first(store: SqliteStore) -> None:
    client = _client(store, "senior")
    revision = store.revision()
    form = {
        "revision": str(revision),
        "action": "unlink",
        "type": "tested_by",
        "source": "region_lock",
        "target": "key_paste_noise",
    }
    client.post(
        "/edit/region_lock/edges",
        data={**form, "action": "link", "data": "p_fail: 0.2"},
    )
    form["revision"] = str(revision + 1)
    asked = client.post("/edit/region_lock/edges", data=form)
    assert asked.status_code == 200 and 'id="confirm-unlink"' in asked.get_data(as_text=True)
    assert store.revision() == revision + 1  # nothing written yet
    done = client.post("/edit/region_lock/edges", data={**form, "confirm": "yes"})
    assert done.status_code == 302 and store.revision() == revision + 2


def _edit_title(store: SqliteStore, client: FlaskClient, title: str) -> None:
    revision = store.revision()
    client.post(
        "/edit/card_key_invalid",
        data={"revision": str(revision), "action": "save", "f.title.zh": title},
    )
    assert store.revision() == revision + 1


def test_revert_previews_the_changes_and_needs_a_reason(store: SqliteStore) -> None:
    client = _client(store, "senior")
    start = store.revision()
    old_title = store.snapshot().title("card_key_invalid", "zh")
    _edit_title(store, client, "卡密无效（改过）")
    preview = client.get(f"/history/{start}/revert")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and store.revision() == start + 1
    row = html.split('data-field="title.zh"')[1].split("</tr>")[0]
    assert "卡密无效（改过）" in row and old_title in row  # before (now) and after (reverted)
    assert "@@" not in html

    form = {"revision": str(start + 1), "to_revision": str(start), "message": "  "}
    refused = client.post("/revert", data=form)
    assert refused.status_code == 400 and "请填写恢复的原因" in refused.get_data(as_text=True)
    assert store.revision() == start + 1

    done = client.post("/revert", data={**form, "message": "改错了"})
    assert done.status_code == 302 and store.revision() == start + 2
    assert store.snapshot().title("card_key_invalid", "zh") == old_title
    assert store.history(limit=1)[0].message == "改错了"


def test_a_long_revision_is_paginated_with_per_field_rows(store: SqliteStore) -> None:
    client = _client(store, "senior")
    total = len(store.changes(1))
    assert total > 50
    first = client.get("/history/1").get_data(as_text=True)
    assert first.count('<section class="change') == 50
    assert 'id="next-page"' in first and 'id="prev-page"' not in first
    last_page = -(-total // 50)
    last = client.get(f"/history/1?page={last_page}").get_data(as_text=True)
    assert last.count('<section class="change') == total - 50 * (last_page - 1)
    assert 'id="prev-page"' in last and 'id="next-page"' not in last
    assert 'class="field-diff"' in first and "@@" not in first


def test_a_cel_error_is_shown_at_its_field_in_the_pages_language(store: SqliteStore) -> None:
    client = _client(store, "senior")
    cel = str(store.snapshot().node("card_key_invalid")["fits_order"])
    assert "order.product.kind" in cel
    form = {
        "revision": str(store.revision()),
        "action": "save",
        "f.fits_order": cel.replace("order.product.kind", "order.product.kindd"),
    }
    for lang, words in (
        ("zh", "没有字段 'kindd'（是不是 kind？）"),
        ("en", "has no field 'kindd'"),
    ):
        page = client.post(f"/edit/card_key_invalid?lang={lang}", data=form)
        field = html.unescape(page.get_data(as_text=True)).split('data-field="fits_order"')[1]
        field = field.split("</fieldset>")[0]
        assert page.status_code == 400 and words in field, field
        assert "order.product.kindd" in field  # the typed draft stays in the input
    summary = html.unescape(page.get_data(as_text=True)).split('id="findings"')[1]
    assert "has no field 'kindd'" in summary.split("</div>")[0]  # the summary says it too


def test_deleting_a_node_asks_first_and_takes_its_links(store: SqliteStore) -> None:
    client = _client(store, "senior")
    revision = store.revision()
    node = "corpus_coupon_problem"
    asked = client.post(f"/edit/{node}/delete", data={})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="confirm-delete"' in page
    assert 'id="delete-edges"' in page and store.revision() == revision
    done = client.post(
        f"/edit/{node}/delete",
        data={"confirm": "yes", "revision": str(revision), "message": "语料并入别处"},
    )
    assert done.status_code == 302 and store.revision() == revision + 1
    assert not store.snapshot().has_node(node)
    # The gate still decides: a cause's only resolution cannot go.
    only = [r for r, _ in store.snapshot().out_edges("paste_format_error", "resolved_by")]
    refused = client.post(
        f"/edit/{only[0]}/delete",
        data={"confirm": "yes", "revision": str(revision + 1)},
        follow_redirects=True,
    )
    assert "改动被拒绝" in refused.get_data(as_text=True)
    assert store.revision() == revision + 1 and store.snapshot().has_node(only[0])


@pytest.mark.parametrize(("lang", "named"), [("zh", "【检查详情】"), ("en", "【a check's own")])
def test_the_training_path_names_template_variables_in_the_page_language(
    store: SqliteStore, lang: str, named: str
) -> None:
    """A check's "what a fail means" is filled per order; the trainee reads what
    goes there in words, not the template's internal key (【detail】)."""
    page = _client(store, "agent").get(
        f"/train/card_key_invalid?cause=paste_format_error&lang={lang}"
    )
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert named in text and "【detail】" not in text
