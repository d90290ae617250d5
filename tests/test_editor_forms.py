"""The editor's schema-built forms without a browser: links as form rows, new
nodes, the template preview and the CEL examples (issue 22)."""

from __future__ import annotations

import re
from html import unescape

from flask.testing import FlaskClient

from api import create_app
from graph.sqlite import SqliteStore


def _client(store: SqliteStore, role: str = "senior") -> FlaskClient:
    app = create_app({"KGDIAG_DB": str(store.path), "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    info = store.verify_token(store.create_token(role, f"forms-{role}"))
    assert info is not None
    with client.session_transaction() as session:
        session["sid"] = store.create_session(info.id)
    return client


def test_a_link_is_added_from_form_fields_with_its_reason(store: SqliteStore) -> None:
    client = _client(store)
    revision = store.revision()
    page = client.post(
        "/edit/region_lock/edges",
        data={
            "revision": str(revision),
            "form": "1",
            "action": "link",
            "type": "tested_by",
            "target": "key_paste_noise",
            "e.p_fail": "0.25",
            "e.meaning.fail.zh": "粘贴时带了多余字符",
            "e.meaning.fail.en": "extra characters came with the paste",
            "message": "地区锁定时也常见粘贴错误",
        },
        follow_redirects=True,
    )
    assert page.status_code == 200 and "已保存" in page.get_data(as_text=True)
    data = dict(store.snapshot().out_edges("region_lock", "tested_by"))["key_paste_noise"]
    assert data["p_fail"] == 0.25
    assert data["meaning"] == {
        "fail": {"zh": "粘贴时带了多余字符", "en": "extra characters came with the paste"}
    }
    assert "pass" not in data["meaning"]  # left empty: left out, not an empty text
    assert store.history(limit=1)[0].message == "地区锁定时也常见粘贴错误"


def test_a_prior_out_of_range_is_named_at_its_field_and_the_draft_kept(
    store: SqliteStore,
) -> None:
    client = _client(store)
    revision = store.revision()
    page = client.post(
        "/edit/card_key_invalid/edges?lang=en",
        data={
            "revision": str(revision),
            "form": "1",
            "action": "update",
            "type": "caused_by",
            "source": "card_key_invalid",
            "target": "region_lock",
            "e.prior": "1.5",
            "message": "more likely than we thought",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert store.revision() == revision
    row = html[html.index('data-edge="card_key_invalid&gt;region_lock"') :]
    row = row[: row.index("</section>")]
    assert 'value="1.5"' in row and 'value="more likely than we thought"' in row
    problem = re.search(
        r'data-field="prior">.*?class="error field-problem[^>]*>([^<]+)<', row, re.S
    )
    assert problem is not None and "out of range" in problem.group(1)
    assert "0 &lt; x ≤ 1" in problem.group(1)


def test_a_link_without_a_target_is_refused_at_the_target(store: SqliteStore) -> None:
    client = _client(store)
    revision = store.revision()
    page = client.post(
        "/edit/region_lock/edges",
        data={
            "revision": str(revision),
            "form": "1",
            "action": "link",
            "type": "resolved_by",
            "target": "",
            "e.rank": "2",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and store.revision() == revision
    assert 'id="link-resolved_by-target-problem"' in html and "请选择要连接的节点" in html
    assert 'id="add-resolved_by" open' in html  # the form that was refused is open
    assert re.search(r'name="e\.rank" value="2"', html)


def test_link_rows_show_every_edge_field_of_the_schema(store: SqliteStore) -> None:
    html = _client(store).get("/edit/region_lock?lang=en").get_data(as_text=True)
    for name in ("e.p_fail", "e.meaning.pass.zh", "e.meaning.fail.en", "e.rank", "e.when"):
        assert f'name="{name}"' in html, name
    assert 'name="e.statuses"' in html and 'type="checkbox"' in html  # depends_on
    # The other end is picked by its title, from the nodes of the right type only.
    resolutions = re.search(r'id="link-resolved_by-target">(.*?)</select>', html, re.S)
    assert resolutions is not None
    assert "(key_paste_noise)" not in resolutions.group(1)  # a check is no resolution


def _new_check(**extra: str) -> dict[str, str]:
    form = {
        "action": "create",
        "f.id": "key_region_label",
        "f.title.zh": "核对卡面地区标识",
        "f.title.en": "Check the region mark on the card",
        "f.description.zh": "看卡密图片上的地区标识",
        "f.description.en": "Look at the region mark on the key's picture",
        "f.mode": "manual",
        "f.cost_minutes": "3",
        "f.instructions.zh": "打开订单里的卡面图片，看右下角的地区标识",
        "f.instructions.en": "Open the card picture of the order and read the region mark",
        "f.findings.pass.zh": "卡面地区与账号地区一致",
        "f.findings.pass.en": "The card's region matches the account",
        "f.findings.fail.zh": "卡面地区与账号地区不一致",
        "f.findings.fail.en": "The card's region differs from the account",
        "f.p_fail_otherwise": "0.05",
        "rows.tested_by-in": "1",
        "l1.other": "region_lock",
        "l1.e.p_fail": "0.8",
        "message": "新增一个人工检查",
    }
    return form | extra


def test_a_new_node_is_created_with_its_links_in_one_audited_revision(
    store: SqliteStore,
) -> None:
    client = _client(store)
    revision = store.revision()
    form = _new_check(revision=str(revision))
    page = client.post("/edit/new/Check", data=form, follow_redirects=True)
    assert page.status_code == 200 and "已创建 key_region_label" in page.get_data(as_text=True)
    snapshot = store.snapshot()
    assert snapshot.node_type("key_region_label") == "Check"
    assert snapshot.node("key_region_label")["cost_minutes"] == 3
    assert dict(snapshot.out_edges("region_lock", "tested_by"))["key_region_label"] == {
        "p_fail": 0.8
    }
    assert store.revision() == revision + 1
    assert store.history(limit=1)[0].message == "新增一个人工检查"


def test_a_new_node_that_breaks_lint_is_refused_with_the_draft_kept(
    store: SqliteStore,
) -> None:
    client = _client(store)
    revision = store.revision()
    form = _new_check(revision=str(revision), **{"l1.other": ""})  # linked to nothing
    page = client.post("/edit/new/Check?lang=en", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and store.revision() == revision
    assert not store.snapshot().has_node("key_region_label")
    assert "unreachable" in html
    assert 'value="key_region_label"' in html and "卡面地区与账号地区不一致</textarea>" in html
    assert 'value="新增一个人工检查"' in html


def test_a_bad_id_and_a_taken_id_are_named_at_the_id(store: SqliteStore) -> None:
    client = _client(store)
    for bad, said in (("Key-Region", "cannot be an id"), ("region_lock", "is taken")):
        form = _new_check(revision=str(store.revision()), **{"f.id": bad})
        page = client.post("/edit/new/Check?lang=en", data=form)
        html = page.get_data(as_text=True)
        assert page.status_code == 400
        at_id = re.search(r'id="f-id-problem"[^>]*>([^<]+)<', html)
        assert at_id is not None and said in at_id.group(1), bad


def test_one_more_link_row_keeps_the_draft(store: SqliteStore) -> None:
    client = _client(store)
    form = _new_check(revision=str(store.revision()), more="tested_by-in")
    del form["action"]
    html = client.post("/edit/new/Check", data=form).get_data(as_text=True)
    assert 'name="l2.other"' in html and 'value="key_region_label"' in html
    assert not store.snapshot().has_node("key_region_label")


def test_every_node_type_has_a_create_form_with_its_required_fields(store: SqliteStore) -> None:
    from schema import graph_schema

    client = _client(store)
    for node_type, spec in graph_schema()["node_types"].items():
        html = client.get(f"/edit/new/{node_type}").get_data(as_text=True)
        for name in spec["schema"]["required"]:
            assert f'name="f.{name}' in html, (node_type, name)
    assert client.get("/edit/new/Nope").status_code == 404
    # Choices say what they mean in the page's language, beside the stored value.
    english = client.get("/edit/new/Check?lang=en").get_data(as_text=True)
    assert '<option value="manual">by hand · manual</option>' in english


def _examples_of(html: str, field_id: str) -> list[str]:
    found = re.search(rf'id="{field_id}-examples">(.*?)</p>', html, re.S)
    assert found is not None, field_id
    return [unescape(code) for code in re.findall(r"<code>(.*?)</code>", found.group(1))]


def test_every_cel_field_shows_examples_from_the_graph(store: SqliteStore) -> None:
    snapshot = store.snapshot()
    client = _client(store)
    check = next(n for n in snapshot.nodes_of_type("Check") if "fails_when" in snapshot.node(n))
    html = client.get(f"/edit/{check}").get_data(as_text=True)
    shown = _examples_of(html, "f-fails_when")
    every = {snapshot.node(n).get("fails_when") for n in snapshot.nodes_of_type("Check")}
    assert 1 <= len(shown) <= 2 and set(shown) <= every
    # The link rows' conditions (resolved_by.when) have theirs, from the links.
    html = client.get("/edit/region_lock").get_data(as_text=True)
    whens = {d.get("when") for _, _, _, d in snapshot.edges()}
    shown = _examples_of(html, "link-resolved-by-when")
    assert 1 <= len(shown) <= 2 and set(shown) <= whens


def test_cel_and_template_reasons_are_in_the_page_language(store: SqliteStore) -> None:
    client = _client(store)
    check = next(
        n
        for n in store.snapshot().nodes_of_type("Check")
        if "fails_when" in store.snapshot().node(n)
    )
    page = client.post(
        f"/edit/{check}",
        data={
            "revision": str(store.revision()),
            "action": "save",
            "f.fails_when": "nosuch(order.status)",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "未知函数 &#39;nosuch&#39;" in html
    answer = client.post(
        "/edit/template-preview", data={"zh": "{{ supplier }}", "en": "{{ order_no }}"}
    ).get_json()
    assert answer["zh"]["problems"] == ["未知变量 'supplier'：请从“可用变量”里选"]
    assert answer["en"] == {"text": "X7Q2M9KDA1B3C4D5", "problems": []}


def test_hostile_values_in_the_create_form_are_named_not_a_crash(store: SqliteStore) -> None:
    client = _client(store)
    revision = store.revision()
    form = _new_check(
        revision=str(revision),
        **{
            "f.cost_minutes": "nan",
            "l1.e.p_fail": "9" * 5000,
            "rows.tested_by-in": "9" * 30,
            "f.title.zh": "\x00" * 3,
        },
    )
    page = client.post("/edit/new/Check?lang=en", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and store.revision() == revision
    assert re.search(r'id="f-cost-minutes-problem"[^>]*>[^<]*is not a number', html)
    assert re.search(r'id="l1-p-fail-problem"[^>]*>[^<]*out of range', html)
