"""The peer: each symptom's cause model as a Bayesian network in pgmpy.

The engine's Bayes (``diagnostics.bayes``) is single-fault: one Cause
variable over the symptom's causes, and each check a child of it with
P(fail | cause) from the Cause→Check edges. The same network in pgmpy,
queried by variable elimination with the checks a diagnosis observed,
must give the same posterior (to 1e-9); the report gives both times.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from diagnostics.bayes import CauseModel, posterior
from diagnostics.engine import diagnose_body
from graph.snapshot import Snapshot

from .stats import stats


def _network(model: CauseModel) -> Any:
    with warnings.catch_warnings():  # pgmpy's own deprecation notices on import
        warnings.simplefilter("ignore")
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.inference import VariableElimination
        from pgmpy.models import DiscreteBayesianNetwork

    causes = list(model.causes)
    network = DiscreteBayesianNetwork([("cause", check) for check in model.p_fail])
    network.add_node("cause")
    cpds = [
        TabularCPD("cause", len(causes), [[p] for p in model.prior], state_names={"cause": causes})
    ]
    for check, fails in model.p_fail.items():
        cpds.append(
            TabularCPD(
                check,
                2,
                [[1.0 - p for p in fails], list(fails)],
                evidence=["cause"],
                evidence_card=[len(causes)],
                state_names={check: ["pass", "fail"], "cause": causes},
            )
        )
    network.add_cpds(*cpds)
    network.check_model()
    return VariableElimination(network)


def peer_figures(
    snapshot: Snapshot, cases: Iterable[Mapping[str, Any]], repeat: int
) -> dict[str, Any]:
    """Posterior agreement and time, engine vs pgmpy, over the cases' observed checks."""
    worst = 0.0
    ours: list[float] = []
    theirs: list[float] = []
    compared = 0
    networks: dict[str, Any] = {}
    for case in cases:
        answer = diagnose_body(snapshot, case["request"])
        model = answer.model
        if model is None or len(model.causes) < 2:
            continue
        observed = {c: o.result for c, o in answer.outcomes.items() if o.observed}
        key = f"{model.symptom}:{','.join(sorted(model.p_fail))}"
        if key not in networks:
            networks[key] = _network(model)
        infer = networks[key]
        mine = posterior(model, observed)
        query = infer.query(["cause"], evidence=observed, show_progress=False)
        order = query.state_names["cause"]
        peer = dict(zip(order, (float(v) for v in query.values), strict=True))
        worst = max(worst, *(abs(p - peer[c]) for c, p in zip(model.causes, mine, strict=True)))
        compared += 1
        for _ in range(repeat):
            start = time.perf_counter()
            posterior(model, observed)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            infer.query(["cause"], evidence=observed, show_progress=False)
            theirs.append(time.perf_counter() - start)
    engine, pgmpy = stats(ours), stats(theirs)
    return {
        "cases": compared,
        "max_abs_difference": worst,
        "agree_to_1e-9": worst <= 1e-9,
        "engine_posterior": engine,
        "pgmpy_query": pgmpy,
        "pgmpy_over_engine": pgmpy["median_ms"] / engine["median_ms"]
        if engine["median_ms"]
        else None,
    }
