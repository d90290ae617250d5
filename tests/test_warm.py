"""A worker warms its snapshot and words model before the first diagnosis needs them."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from api.warm import start_warm_up, warm_up
from appstate import store
from diagnostics.symptom_model import symptom_model


def test_warm_up_leaves_the_served_snapshot_with_its_model(app: Flask) -> None:
    calls: list[object] = []
    with app.app_context():
        snapshot = store().snapshot()
        # The model is derived once per snapshot: after the warm-up, asking for it
        # builds nothing (the build function below would record a call).
        start_warm_up(app).join(timeout=120)
        model = snapshot.derived("symptom_model", lambda s: calls.append(s) or None)
        assert calls == [] and model is not None
        assert symptom_model(store().snapshot()) is model


def test_a_failed_warm_up_is_logged_and_harmless(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_: object) -> None:
        raise RuntimeError("no model today")

    monkeypatch.setattr("api.warm.symptom_model", broken)
    with caplog.at_level(logging.WARNING, logger="api.warm"):
        assert warm_up(app) is False
    assert "warm-up failed" in caplog.text
