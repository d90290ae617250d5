"""The systems page without a browser: roles, CSRF, masked evidence, an admin's decision."""

from __future__ import annotations

from graph.records import StatusProposal
from graph.sqlite import SqliteStore

from .test_web_pages import _client

ORDERS = ["KX202612010001", "KX202612010003", "KX202612010004"]


def _proposal(store: SqliteStore) -> StatusProposal:
    evidence = {
        "cause": "supplier_interface_outage",
        "group": "supplier",
        "name": "sup_kx",
        "orders": ORDERS,
        "failing": 3,
        "seen": 4,
        "share": 0.75,
        "window_minutes": 30,
        "since": "2026-12-01T07:30:00+00:00",
        "until": "2026-12-01T08:00:00+00:00",
        "baseline_per_window": 0.0,
    }
    return store.records.upsert_proposal(
        system="sup_kx", status="degraded", cause="supplier_interface_outage", evidence=evidence
    )


def test_seniors_see_masked_evidence_and_only_admins_decide(store: SqliteStore) -> None:
    proposal = _proposal(store)
    assert _client(store, "agent").get("/systems").status_code == 403
    senior = _client(store, "senior")
    page = senior.get("/systems").get_data(as_text=True)
    assert f'data-proposal="{proposal.id}"' in page and "***0001" in page and "***0004" in page
    assert not any(number in page for number in ORDERS)
    assert "4 笔订单中有 3 笔" in page and "上游供货 / 充值接口故障" in page
    assert 'class="proposal-form"' not in page and "只有管理员" in page
    url = f"/systems/proposals/{proposal.id}"
    assert senior.post(url, data={"decision": "accept"}).status_code == 403
    english = senior.get("/systems?lang=en").get_data(as_text=True)
    assert "3 of the 4 diagnosed orders of this supplier" in english
    assert store.records.get_proposal(proposal.id).state == "open"  # type: ignore[union-attr]


def test_an_admin_accepts_with_an_eta_in_the_shops_zone(store: SqliteStore) -> None:
    proposal = _proposal(store)
    admin = _client(store, "admin", name="wu")
    page = admin.get("/systems").get_data(as_text=True)
    assert 'class="proposal-form"' in page and "data-confirm-accept" in page
    url = f"/systems/proposals/{proposal.id}"
    refused = admin.post(url, data={"decision": "maybe"}, follow_redirects=True)
    assert "改动被拒绝: decision" in refused.get_data(as_text=True)
    refused = admin.post(url, data={"decision": "accept", "eta": "soon"}, follow_redirects=True)
    assert "改动被拒绝: eta" in refused.get_data(as_text=True)
    assert store.records.current_system_statuses() == []
    done = admin.post(
        url,
        data={"decision": "accept", "note": "上游确认", "eta": "2026-12-01T18:00"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已确认" in done and 'id="no-proposals"' in done
    (status,) = store.records.current_system_statuses()
    assert (status.system, status.status, status.author) == ("sup_kx", "degraded", "wu (admin)")
    assert status.eta == "2026-12-01T10:00:00+00:00"  # 18:00 in Asia/Shanghai
    again = admin.post(url, data={"decision": "dismiss"}, follow_redirects=True)
    assert "改动被拒绝" in again.get_data(as_text=True) and "accepted" in again.get_data(
        as_text=True
    )


def test_a_decision_without_its_csrf_token_is_refused(store: SqliteStore) -> None:
    proposal = _proposal(store)
    admin = _client(store, "admin", csrf=True)
    response = admin.post(f"/systems/proposals/{proposal.id}", data={"decision": "dismiss"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert store.records.get_proposal(proposal.id).state == "open"  # type: ignore[union-attr]
