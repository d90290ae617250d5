"""``GET /v1/notices`` and the /notices page: newest first, paged, sent or not."""

from __future__ import annotations

from flask.testing import FlaskClient

from graph.sqlite import SqliteStore
from tests.conftest import bearer


def _file(store: SqliteStore, count: int) -> list[int]:
    ids = []
    for i in range(count):
        notice = store.records.record_notice(
            order_no=f"N-{i}", symptom="card_key_not_received", cause="stock_out",
            supplier="sup_kx", channel="yipay", lang="zh", text=f"您好，订单 N-{i} 正在加紧处理",
            case_ref=None, next_attempt_at=None,
        )  # fmt: skip
        assert notice is not None
        ids.append(notice.id)
    return ids


def test_notices_newest_first_with_paging_and_sent_state(
    store: SqliteStore, client: FlaskClient, tokens: dict[str, str]
) -> None:
    ids = _file(store, 5)
    store.records.notice_sent(ids[4], at="2026-12-01T08:00:00+00:00")
    first = client.get("/v1/notices?limit=3", headers=bearer(tokens["agent"]))
    assert first.status_code == 200
    body = first.get_json()
    assert [n["order_no"] for n in body["notices"]] == ["N-4", "N-3", "N-2"]
    assert body["notices"][0]["sent"] is True and body["notices"][1]["sent"] is False
    assert body["notices"][0]["sent_at"] == "2026-12-01T16:00:00+08:00"  # the shop's zone
    assert body["notices"][0]["cause"] == "stock_out" and "supplier" not in body["notices"][0]
    more = client.get(
        f"/v1/notices?limit=3&before={body['next_before']}", headers=bearer(tokens["agent"])
    ).get_json()
    assert [n["order_no"] for n in more["notices"]] == ["N-1", "N-0"]
    assert more["next_before"] is None


def test_notices_refuse_a_bad_limit_and_no_token(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    bad = client.get("/v1/notices?limit=0", headers=bearer(tokens["agent"]))
    assert bad.status_code == 400
    assert "limit" in str(bad.get_json()["error"])
    assert client.get("/v1/notices").status_code == 401
