"""The ``kgdiag`` command line (see ../shared/contract/diagnose.md).

Exit codes: 0 done, 1 findings or a refused change, 2 bad usage or no store.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import yaml

import diagnostics  # noqa: F401  (installs the engine's content checks for validation)
from api.logs import configure_logging
from api.settings import SETTINGS
from graph.errors import ChangeSetInvalid, KgdiagError, StoreUnavailable
from graph.lint import lint_content
from graph.model import GraphContent, diff
from graph.store import ROLES, TOKEN_ROLES, GraphStore, open_store
from schema.problems import too_deep
from seed import default_seed_dir, dump_seed_dir, load_seed_dir

__all__ = ["main"]


def _db(args: argparse.Namespace) -> str:
    """The store: ``--db``/``--store`` (a SQLite path or a Neo4j URI), else the environment."""
    db = args.db or os.environ.get("KGDIAG_DB") or os.environ.get("KGDIAG_NEO4J_URI")
    if not db:
        raise SystemExit("kgdiag: give --db PATH (or --store URI) or set KGDIAG_DB")
    return str(db)


def _author(args: argparse.Namespace) -> str:
    return str(getattr(args, "author", None) or f"{getpass.getuser()}@cli")


def _import(store: GraphStore, content: GraphContent, author: str, message: str) -> int:
    changes = diff(store.content_at(store.revision()), content)
    if not changes.operations:
        print(f"nothing to import: the graph already matches (revision {store.revision()})")
        return 0
    info = store.apply(changes, expected_revision=store.revision(), author=author, message=message)
    print(f"imported {info.change_count} changes as revision {info.revision}")
    return 0


def _seed_into(store: GraphStore, where: str) -> int:
    content, problems = load_seed_dir(default_seed_dir())
    findings = problems + lint_content(content, with_files=True)
    if findings:
        _print_findings(findings)
        return 1
    _import(store, content, "kgdiag init", "seed graph")
    counts = content.counts()
    print(f"created {where}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    location = _db(args)
    if "://" in location:
        return cmd_neo4j_init(args)
    path = Path(location)
    if path.exists():
        store = open_store(path)
        print(f"store already exists at {path} (revision {store.revision()}); nothing done")
        return 0
    return _seed_into(open_store(path, create=True), str(path))


def cmd_neo4j_init(args: argparse.Namespace) -> int:
    """Constraints, indexes and the meta node on Neo4j; the seed graph if it is empty."""
    uri = _db(args)
    store = open_store(uri, create=True)  # runs every constraint and index statement
    if store.revision():
        print(f"Neo4j at {uri} is ready (revision {store.revision()}); constraints checked")
        return 0
    return _seed_into(store, uri)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Copy a whole store, history included, into a new empty one (either backend)."""
    from graph.migrate import migrate

    source = open_store(args.source)
    target = open_store(args.target, create=True)
    report = migrate(source, target)
    print(
        f"migrated {args.source} → {args.target}: "
        + ", ".join(f"{n} {k}" for k, n in report.items())
    )
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    store = open_store(_db(args))
    if args.token_command == "create":
        token = store.create_token(args.role, args.name)
        print(f"token for {args.name} ({args.role}); it is shown only once:")
        print(token)
    elif args.token_command == "revoke":
        count = store.revoke_token(args.name)
        print(f"revoked {count} token(s) named {args.name}")
        return 0 if count else 1
    else:
        for info in store.list_tokens():
            state = f"revoked {info.revoked_at}" if info.revoked_at else "live"
            print(f"{info.id}\t{info.name}\t{info.role}\t{info.created_at}\t{state}")
    return 0


def _print_findings(findings: Sequence[object]) -> None:
    for finding in findings:
        print(finding)


def cmd_lint(args: argparse.Namespace) -> int:
    if args.seed:
        content, problems = load_seed_dir(Path(args.seed))
        findings = problems + lint_content(content, with_files=True)
        label = args.seed
    elif args.db or os.environ.get("KGDIAG_DB"):
        store = open_store(_db(args))
        content = store.content_at(store.revision())
        findings = lint_content(content)
        label = f"{_db(args)} revision {store.revision()}"
    else:
        content, problems = load_seed_dir(default_seed_dir())
        findings = problems + lint_content(content, with_files=True)
        label = "the shipped seed"
    _print_findings(findings)
    if findings:
        print(f"{len(findings)} finding(s) in {label}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{v} {k}" for k, v in sorted(content.counts().items()))
    print(f"clean: {label} ({counts})", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    content, problems = load_seed_dir(Path(args.directory))
    findings = problems + lint_content(content, with_files=True)
    if findings:
        _print_findings(findings)
        print(f"refused: {len(findings)} finding(s); nothing was written", file=sys.stderr)
        return 1
    store = open_store(_db(args))
    return _import(store, content, _author(args), args.message or f"import {args.directory}")


def cmd_export(args: argparse.Namespace) -> int:
    store = open_store(_db(args))
    revision = store.revision() if args.revision is None else args.revision
    files = dump_seed_dir(store.content_at(revision), Path(args.directory))
    print(f"exported revision {revision} to {args.directory} ({len(files)} files)")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    store = open_store(_db(args))
    for info in store.history(limit=args.limit):
        revert = f" (revert to {info.reverted_to})" if info.reverted_to is not None else ""
        print(
            f"{info.revision}\t{info.at}\t{info.author}\t{info.change_count} changes\t"
            f"{info.message}{revert}"
        )
    return 0


def cmd_revert(args: argparse.Namespace) -> int:
    store = open_store(_db(args))
    info = store.revert(args.revision, expected_revision=store.revision(), author=_author(args))
    print(
        f"revision {info.revision} restores revision {args.revision} ({info.change_count} changes)"
    )
    return 0


def _plain(value: object) -> object:
    """YAML reads unquoted times as datetime; the contract wants RFC 3339 strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _read_case(path: str) -> object:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    try:
        body = yaml.safe_load(text)  # YAML is a superset of JSON: one parser for both
    except yaml.YAMLError as err:
        raise SystemExit(f"kgdiag: {path} is neither JSON nor YAML: {err}") from err
    except RecursionError:
        raise SystemExit(f"kgdiag: {path}: {too_deep().message}") from None
    if isinstance(body, dict) and isinstance(body.get("request"), dict):
        body = body["request"]  # a worked case: {id, request, expect}
    return _plain(body)


def cmd_diagnose(args: argparse.Namespace) -> int:
    from casework import Settings, diagnose_case
    from diagnostics.engine import RequestInvalid
    from diagnostics.timezone import DEFAULT_ZONE, shop_zone
    from shop import annotate, resolve, source_from_environment

    if args.case:
        body = _read_case(args.case)
    elif args.order_no or args.contact:
        body = {"message": args.message or ""}
        if not body["message"]:
            raise SystemExit("kgdiag: --order-no needs --message (the customer's words)")
        body.update(
            {k: v for k, v in (("order_no", args.order_no), ("contact", args.contact)) if v}
        )
    else:
        raise SystemExit("kgdiag: give --case FILE, or --order-no NO (or --contact) and --message")
    try:
        zone = shop_zone(os.environ.get("KGDIAG_TIMEZONE", DEFAULT_ZONE))
        source = source_from_environment(zone)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    body, lookup = resolve(body, source)
    store = open_store(_db(args))
    try:
        # Same records as the server reads (status, outcomes); the CLI files no case.
        answer = diagnose_case(
            store,
            body,
            role=args.role,
            author=_author(args),
            settings=Settings(zone=zone),
            record=False,
        )
    except RequestInvalid as err:
        for problem in err.problems:
            print(f"{problem.path}: {problem.message}", file=sys.stderr)
        print(f"refused: {len(err.problems)} bad field(s)", file=sys.stderr)
        return 1
    answer = annotate(answer, lookup)
    print(json.dumps(answer, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Purge records past the retention window now (the server also does, hourly)."""
    from datetime import timedelta

    from casework import Settings, purge_expired

    days = (
        args.days
        if args.days is not None
        else float(os.environ.get("KGDIAG_RETENTION_DAYS", "365"))
    )
    if days <= 0:
        print("retention is 0: records are kept for ever, nothing purged")
        return 0
    store = open_store(_db(args))
    try:
        counts = purge_expired(store, Settings(retention=timedelta(days=days)), force=True)
    finally:
        store.close()
    print(
        ", ".join(f"{table}: {n}" for table, n in counts.items()) + f" (older than {days:g} days)"
    )
    return 0


def cmd_shop_check(args: argparse.Namespace) -> int:
    """Is the account read-only, are the lookups indexed, how fast (exit 1: fix something)."""
    from diagnostics.timezone import DEFAULT_ZONE, shop_zone
    from shop import DatabaseSource, source_from_environment
    from shop.check import check_shop

    try:
        source = source_from_environment(shop_zone(os.environ.get("KGDIAG_TIMEZONE", DEFAULT_ZONE)))
    except ValueError as err:
        print(f"kgdiag: {err}", file=sys.stderr)
        return 2
    if not isinstance(source, DatabaseSource):
        print(
            "kgdiag: set KGDIAG_SHOP_DB (and KGDIAG_SHOP_SYSTEM) to check a shop database",
            file=sys.stderr,
        )
        return 2
    report = check_shop(source.database, rounds=args.rounds)
    print("\n".join(report.lines(source.database.prefix)))
    if report.problem:
        return 2
    return 0 if report.ok else 1


def cmd_watch(args: argparse.Namespace) -> int:
    """Open orders past their normal time get a diagnosis and a notice (kgdiag/watch_cmd.py)."""
    from .watch_cmd import watch_command

    store = open_store(_db(args))
    try:
        return watch_command(store, once=args.once)
    finally:
        store.close()


def cmd_evaluate(args: argparse.Namespace) -> int:
    from diagnostics.evaluate import evaluate_cases, load_cases
    from graph.snapshot import build_snapshot

    if args.seed:
        content, problems = load_seed_dir(Path(args.seed))
        if problems:
            _print_findings(problems)
            return 1
        snapshot = build_snapshot(0, content)
    else:
        snapshot = open_store(_db(args)).snapshot()
    report = evaluate_cases(snapshot, load_cases(Path(p) for p in args.cases))
    failed = [r for r in report.results if not (r.symptom_ok and r.cause_ok)]
    for r in failed:
        print(
            f"miss {r.case_id}: symptom {r.symptom} (expected {r.expected_symptom}), "
            f"cause {r.cause} (expected {r.expected_cause})"
        )
    outcomes, cases = report.outcomes(), max(1, len(report.results))
    print(
        "symptom: "
        + ", ".join(f"{k} {n}/{len(report.results)} = {n / cases:.1%}" for k, n in outcomes.items())
    )
    hits, total = report.count("cause")
    print(f"cause top-1: {hits}/{total} = {hits / total:.1%}" if total else "cause top-1: -")
    ratios = report.cost_ratios()
    print(
        "check order, expected agent minutes over {n:.0f} cases with 2+ manual steps: "
        "engine {engine_minutes:.1f}, static {static_minutes:.1f} "
        "(engine/static {engine_vs_static:.3f}); on the {b:.0f} brute-forced cases "
        "engine/best {engine_vs_best:.4f}, static/best {static_vs_best:.3f}".format(
            n=ratios["cases_ordered"], b=ratios["cases_brute_forced"], **ratios
        )
    )
    return 1 if failed and args.strict else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from api.serve import serve

    db = _db(args)
    open_store(db).close()  # a missing or foreign store is an error before binding
    config = {"KGDIAG_DB": db, "KGDIAG_MAX_BODY_BYTES": args.max_body_bytes}
    serve(config, args.host, args.port, workers=args.workers, connections=args.connections)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgdiag", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--db",
            "--store",
            dest="db",
            help="SQLite file or Neo4j URI (default: $KGDIAG_DB, else $KGDIAG_NEO4J_URI)",
        )
        return p

    with_db(sub.add_parser("init", help="create the store from the seed graph")).set_defaults(
        func=cmd_init
    )

    neo = sub.add_parser("neo4j", help="the Neo4j backend")
    neo_sub = neo.add_subparsers(dest="neo4j_command", required=True)
    with_db(
        neo_sub.add_parser("init", help="create constraints and indexes; seed an empty graph")
    ).set_defaults(func=cmd_neo4j_init)

    mig = sub.add_parser("migrate", help="copy a store into a new one, history included")
    mig.add_argument("--from", dest="source", required=True, help="SQLite file or Neo4j URI")
    mig.add_argument("--to", dest="target", required=True, help="a new SQLite file or Neo4j URI")
    mig.set_defaults(func=cmd_migrate)

    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = with_db(token_sub.add_parser("create", help="print a new token once"))
    create.add_argument("--role", required=True, choices=TOKEN_ROLES)
    create.add_argument("--name", required=True)
    revoke = with_db(token_sub.add_parser("revoke", help="revoke tokens by name"))
    revoke.add_argument("--name", required=True)
    with_db(token_sub.add_parser("list", help="list tokens (never the secrets)"))
    token.set_defaults(func=cmd_token)

    lint = sub.add_parser("lint", help="check a graph; exit 1 on findings")
    source = lint.add_mutually_exclusive_group()
    source.add_argument("--db")
    source.add_argument("--seed", help="a graph directory of YAML files")
    lint.set_defaults(func=cmd_lint)

    imp = with_db(sub.add_parser("import", help="replace the graph with a YAML directory"))
    imp.add_argument("directory")
    imp.add_argument("--author")
    imp.add_argument("--message")
    imp.set_defaults(func=cmd_import)

    exp = with_db(sub.add_parser("export", help="write the graph as a YAML directory"))
    exp.add_argument("directory")
    exp.add_argument("--revision", type=int)
    exp.set_defaults(func=cmd_export)

    hist = with_db(sub.add_parser("history", help="the audit log, newest first"))
    hist.add_argument("--limit", type=int, default=20)
    hist.set_defaults(func=cmd_history)

    rev = with_db(sub.add_parser("revert", help="restore an earlier revision as a new one"))
    rev.add_argument("revision", type=int)
    rev.add_argument("--author")
    rev.set_defaults(func=cmd_revert)

    dia = with_db(sub.add_parser("diagnose", help="diagnose one request (JSON or YAML)"))
    dia.add_argument("--case", help="request file, or - for stdin")
    dia.add_argument("--order-no", help="look the order up in the shop (KGDIAG_SHOP_DB or hook)")
    dia.add_argument("--contact", help="the customer's e-mail, phone or QQ (finds their orders)")
    dia.add_argument("--message", help="the customer's words (with --order-no)")
    dia.add_argument(
        "--role", choices=ROLES, default="agent", help="whose view (gates resolutions)"
    )
    dia.set_defaults(func=cmd_diagnose)

    purge = with_db(sub.add_parser("purge", help="delete records past the retention window"))
    purge.add_argument(
        "--days", type=float, help="retention in days (default: $KGDIAG_RETENTION_DAYS, else 365)"
    )
    purge.set_defaults(func=cmd_purge)

    shop_parser = sub.add_parser("shop", help="the shop's own database (KGDIAG_SHOP_DB)")
    shop_sub = shop_parser.add_subparsers(dest="shop_command", required=True)
    shop_check = shop_sub.add_parser(
        "check", help="read-only account? indexes the lookups need? lookup latency"
    )
    shop_check.add_argument("--rounds", type=int, default=50, help="lookups timed per kind")
    shop_check.set_defaults(func=cmd_shop_check)

    watch = with_db(
        sub.add_parser("watch", help="notify customers of open orders past their normal time")
    )
    watch.add_argument(
        "--once", action="store_true", help="one pass, then exit (else every KGDIAG_WATCH_MINUTES)"
    )
    watch.set_defaults(func=cmd_watch)

    ev = with_db(sub.add_parser("evaluate", help="score the engine on worked cases"))
    ev.add_argument("cases", nargs="+", help="case YAML files or directories of them")
    ev.add_argument("--seed", help="evaluate a seed directory instead of a store")
    ev.add_argument("--strict", action="store_true", help="exit 1 when any case misses")
    ev.set_defaults(func=cmd_evaluate)

    srv = with_db(sub.add_parser("serve", help="serve the HTTP API with gunicorn"))
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    for flag, name in (
        ("--workers", "KGDIAG_WORKERS"),
        ("--connections", "KGDIAG_CONNECTIONS"),
        ("--max-body-bytes", "KGDIAG_MAX_BODY_BYTES"),
    ):
        setting = next(s for s in SETTINGS if s.name == name)
        raw = os.environ.get(name)
        default = setting.default if raw is None else setting.kind(raw)
        srv.add_argument(flag, type=int, default=default, help=f"{setting.help} (${name})")
    srv.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Warnings (a fallback taken) to stderr; `kgdiag serve` reconfigures at its level.
    configure_logging(os.environ.get("KGDIAG_LOG_LEVEL", "WARNING"))
    try:
        code: int = args.func(args)
    except ChangeSetInvalid as err:
        _print_findings(err.findings)
        print(f"refused: {len(err.findings)} finding(s); nothing was written", file=sys.stderr)
        return 1
    except StoreUnavailable as err:
        print(f"kgdiag: {err}", file=sys.stderr)
        return 2
    except KgdiagError as err:
        print(f"kgdiag: {err}", file=sys.stderr)
        return 1
    return code
