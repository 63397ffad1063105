"""The `jiancha` command."""

from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from jiancha.domain.errors import Rejected
from jiancha.domain.masking import MaskingFilter
from jiancha.interfaces.proof_cli import proof_app
from jiancha.store.database import Database

app = typer.Typer(
    help="Jiancha (监察): electronic supervision platform for administrative power.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
calendar_app = typer.Typer(help="The working-day calendar.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(calendar_app, name="calendar")
user_app = typer.Typer(help="People given access (R-SEC-1).", no_args_is_help=True)
token_app = typer.Typer(help="API tokens of integrating systems.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(proof_app, name="proof")
evaluation_app = typer.Typer(
    help="Monthly performance evaluation (绩效测评, R-EVA-1/2).", no_args_is_help=True
)
app.add_typer(evaluation_app, name="evaluation")
report_app = typer.Typer(help="Statistics and the monthly report (R-REP-1, R-REP-3).", no_args_is_help=True)
app.add_typer(report_app, name="report")

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


def _db() -> Database:
    return Database()


def _ready(db: Database) -> None:
    """Bring the schema up to date and make sure the calendar is seeded."""
    from jiancha.services.calendar import seed_from_package
    from jiancha.store.migrate import upgrade

    upgrade(db)
    seed_from_package(db)


def _fail(exc: Rejected) -> None:
    typer.echo(str(exc), err=True)
    raise typer.Exit(code=2)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations (Alembic) and seed the holiday calendar."""
    db = _db()
    _ready(db)
    typer.echo(f"database at newest schema: {db.engine.url.render_as_string(hide_password=True)}")


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Run the JSON API and the background worker in one process."""
    import uvicorn

    from jiancha.interfaces.api import create_app

    db = _db()
    _ready(db)
    app = create_app(db, worker=True)
    # What exists now lives as long as the process: keep the collector from rescanning it.
    gc.freeze()
    # log_config=None: uvicorn's own and access logs go through the root handler, and its mask.
    uvicorn.run(app, host=host, port=port, log_level="info", log_config=None)


@app.command()
def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    cases: Annotated[int, typer.Option(help="How many demo cases to build.")] = 20_000,
    build_only: Annotated[bool, typer.Option("--build-only", help="Build, do not serve.")] = False,
) -> None:
    """Build a realistic demo city (once) and serve it."""
    from jiancha.services import demo as demo_service

    db = _db()
    _ready(db)
    summary = demo_service.load_demo(db, cases)
    typer.echo(summary)
    users = ", ".join(u[0] for u in demo_service.DEMO_USERS)
    typer.echo(f"sign in as {users} with the password {demo_service.DEMO_PASSWORD!r} (demo only)")
    if not build_only:
        serve(host, port)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[
        str | None,
        typer.Option(
            help="catalogue, events, calendar, organisation, disclosure, procurement, vehicles (tracks), "
            "geofences, monitors (records naming their monitor and kind) or <monitor>/<kind>, e.g. "
            "three_public/reception (guessed when absent)"
        ),
    ] = None,
    changed_by: Annotated[str, typer.Option(help="Who is making the change (recorded).")] = "import",
    log_format: Annotated[
        str | None,
        typer.Option("--format", help="an event log: xes (.xes, .xes.gz), ocel (OCEL 2.0 JSON) or csv"),
    ] = None,
    pack: Annotated[
        str | None,
        typer.Option(help="with --format: the pack the log's cases are judged by (and its mapping)"),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            help="with --format csv: case=…,activity=…,timestamp=…[,resource=…] (guessed when absent)"
        ),
    ] = None,
    case_type: Annotated[
        str | None, typer.Option(help="with --format ocel: the object type whose objects are the cases")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            help="with --format: the zone of timestamps written without an offset, e.g. Europe/Rome"
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="with --format: a YAML mapping of the log onto cases (as a pack's log: section)"),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option(
            help="with --format: the event or case attribute holding a deadline the source gives the "
            "case (its promised day)"
        ),
    ] = None,
) -> None:
    """Import a catalogue (xlsx, csv, json), events (jsonl, json, csv), a calendar year, the
    organisation, a department's published list of powers (json, csv; R-OPEN-3), or a trading
    platform's OCDS compiled releases (jsonl, json; R-MON-2), or official vehicles' tracks (csv,
    json) and a unit's geofences (geojson; R-MON-3), or the records of a monitor (jsonl, json;
    R-MON-4..10)."""
    from jiancha.interfaces.files import importer

    db = _db()
    _ready(db)
    # An XES or OCEL file is an event log by its name alone; a CSV log needs --format csv.
    named = file.name.lower()
    if log_format is None and kind is None and named.endswith((".xes", ".xes.gz", ".jsonocel")):
        log_format = "ocel" if named.endswith(".jsonocel") else "xes"
    if log_format is not None:
        _import_log(db, file, log_format, pack, columns, case_type, timezone, mapping, deadline)
        return
    try:
        summary = importer.import_file(
            db,
            file.read_bytes(),
            file.name,
            kind=kind,
            by=changed_by,
            progress=lambda n: typer.echo(f"  {n} events", err=True),
        )
    except Rejected as e:
        _fail(e)
    typer.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())


def _import_log(
    db: Database,
    file: Path,
    log_format: str,
    pack: str | None,
    columns: str | None,
    case_type: str | None,
    timezone: str | None,
    mapping: Path | None = None,
    deadline: str | None = None,
) -> None:
    """An event log, checked whole, then ingested with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from jiancha.interfaces.files import log_import

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(f"importing {file.name}", total=None)
        try:
            source = log_import.source_of(file, log_format, columns, case_type, timezone)
            summary = log_import.import_log(
                db,
                source,
                pack,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                mapping=log_import.mapping_of(mapping) if mapping else None,
                deadline=deadline,
            )
        except Rejected as e:
            bar.stop()
            _fail(e)
    typer.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())


@app.command()
def export(
    file: Annotated[
        Path, typer.Argument(dir_okay=False, help="catalogue.xlsx, catalogue.csv or catalogue.json")
    ],
) -> None:
    """Export the current catalogue (active and suspended items) as xlsx, csv or json."""
    from jiancha.interfaces.files.catalogue_files import detect_format, write_catalogue
    from jiancha.services import catalogue

    try:
        fmt = detect_format(file.name)
    except Rejected as e:
        _fail(e)
    items = catalogue.current_items(_db())
    file.write_bytes(write_catalogue(items, fmt))
    typer.echo(f"{len(items)} items written to {file}")


@app.command()
def verify() -> None:
    """Walk the ledger: print OK, or the first entry where the chain breaks and exit non-zero."""
    from jiancha.services import integrity

    report = integrity.check(_db())
    typer.echo(report.describe())
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def checkpoint(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the checkpoint as a witness keeps it.")
    ] = False,
) -> None:
    """Sign the ledger's Merkle root if the ledger has grown; print the latest checkpoint.
    Exits 1 if the ledger no longer hashes to what was signed before."""
    from jiancha.services import checkpoints
    from jiancha.store.migrate import upgrade

    db = _db()
    upgrade(db)  # not _ready: seeding the calendar would add entries to what is being signed
    try:
        made = checkpoints.make(db)
    except checkpoints.Rewritten as e:
        typer.echo(f"REFUSED: {e}", err=True)
        raise typer.Exit(code=1) from e
    except Rejected as e:
        _fail(e)
    if made is None:
        typer.echo("the ledger is empty: nothing to sign", err=True)
        raise typer.Exit(code=1)
    cp = made.checkpoint
    if as_json:
        typer.echo(orjson.dumps(cp.as_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        state = "signed" if made.new else "unchanged since"
        typer.echo(
            f"{state} checkpoint {cp.tree_size} at {cp.time}: root {cp.root_hash.hex()}, key {cp.key_id}"
        )


@app.command("signals")
def list_signals(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document: counts and signals.")] = False,
    colour: Annotated[str | None, typer.Option(help="green, yellow or red")] = None,
    rule: Annotated[str | None, typer.Option(help="a rule id, e.g. TL-LEGAL-OVERDUE")] = None,
    case_no: Annotated[str | None, typer.Option(help="one case")] = None,
    limit: Annotated[int, typer.Option(help="at most this many")] = 1000,
) -> None:
    """List signals, newest first, with their explanations."""
    from jiancha.services import signals

    db = _db()
    total, rows = signals.list_signals(
        db, signals.SignalFilter(colour=colour, rule_id=rule, case_no=case_no), limit
    )
    if as_json:
        doc = {"total": total, "counts": signals.counts(db), "signals": rows}
        typer.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    for r in rows:
        typer.echo(
            f"{r['raised_at']}  {r['colour']:6s} {r['rule_id']:18s} {r['case_no']:24s} {r['message_zh']}"
        )
    typer.echo(f"{total} signals")


@app.command()
def backtest(
    pack: Annotated[str, typer.Option(help="the candidate pack: a shipped name or a YAML file")],
    start: Annotated[str, typer.Option("--from", help="first day of the period, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="last day of the period, YYYY-MM-DD")],
) -> None:
    """What signals would PACK have raised on the cases received in the period? Writes nothing;
    compares with the pack in force (JIANCHA_PACK)."""
    from datetime import date

    from jiancha.services import backtest as backtest_service
    from jiancha.services import packs

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as e:
        typer.echo(f"--from/--to must be dates YYYY-MM-DD / 日期格式应为 YYYY-MM-DD: {e}", err=True)
        raise typer.Exit(code=2) from e
    try:
        report = backtest_service.backtest(_db(), packs.load(pack), packs.active(), first, last)
    except Rejected as e:
        _fail(e)
    typer.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())


@app.command()
def sweep() -> None:
    """Run the clock once: handle every case whose next check has come."""
    from jiancha.services import clock

    typer.echo(f"{clock.sweep(_db())} cases handled")


@app.command()
def notify(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then stop.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between rounds when not --once.")] = 10.0,
) -> None:
    """Send the notifications that are due (the outbox), with retries and back-off."""
    import time

    from jiancha.services import notifications

    db = _db()
    while True:
        while True:  # a round sends batches until nothing more is due
            done = notifications.deliver_due(db)
            if done.sent or done.retrying or done.failed:
                typer.echo(f"{done.sent} sent, {done.retrying} to retry, {done.failed} given up")
            if not (done.sent or done.retrying or done.failed):
                break
        if once:
            return
        time.sleep(interval)


@app.command()
def subscribe(
    channel: Annotated[str, typer.Option(help="file, webhook, sms, email, dingtalk or wecom")],
    address: Annotated[str, typer.Option(help="URL, phone number, e-mail address or a label (file)")],
    role: Annotated[str | None, typer.Option(help="tell everyone in this role, e.g. supervisor")] = None,
    user: Annotated[str | None, typer.Option(help="tell this one user")] = None,
    department: Annotated[str | None, typer.Option(help="only this department's signals")] = None,
    colour: Annotated[str | None, typer.Option(help="only green, yellow or red")] = None,
    family: Annotated[str | None, typer.Option(help="only this rule family, e.g. time_limit")] = None,
    kind: Annotated[str, typer.Option(help="what to be told of: signal, notice or complaint")] = "signal",
) -> None:
    """Say who is told of signals, notices or complaints, and how (R-SIG-8)."""
    from jiancha.services import notifications

    if (role is None) == (user is None):
        typer.echo("give --role or --user / 请指定 --role 或 --user", err=True)
        raise typer.Exit(code=2)
    audience, name = ("role", role) if role is not None else ("user", user or "")
    db = _db()
    _ready(db)
    try:
        sub_id = notifications.subscribe(
            db,
            notifications.Subscription(
                audience,
                name,
                channel,
                address,
                kind=kind,
                department_code=department,
                colour=colour,
                family=family,
            ),
        )
    except ValueError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(code=2) from e
    typer.echo(f"subscription {sub_id}: {audience}:{name} by {channel} at {address}")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="system_supervisor, e_supervisor, administrator or post_user")],
    name: Annotated[str, typer.Option(help="the name shown and recorded")] = "",
    region: Annotated[
        str | None, typer.Option(help="a supervisor's agency (region); none: the top level")
    ] = None,
    department: Annotated[str | None, typer.Option(help="a post user's department")] = None,
    leader: Annotated[bool, typer.Option(help="the unit's leader (approves exports)")] = False,
    reads_cases: Annotated[bool, typer.Option(help="an administrator granted case content")] = False,
    by: Annotated[str, typer.Option(help="who gives the access (recorded)")] = "cli",
) -> None:
    """Give a person access. The password is read from standard input (or asked for), never an
    argument, so it stays out of the shell's history."""
    from jiancha.services import access

    password = (
        sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty()
        else typer.prompt("password / 密码", hide_input=True, confirmation_prompt=True)
    )
    db = _db()
    _ready(db)
    try:
        raw = {
            "username": username,
            "display_name": name or username,
            "role": role,
            "region_code": region,
            "department_code": department,
            "leader": leader,
            "reads_cases": reads_cases,
            "password": password,
        }
        made = access.create_user(db, access.parse_user(raw), by=by)
    except Rejected as e:
        _fail(e)
    typer.echo(f"user {made['username']}: {made['role']} ({made['scope']})")


@user_app.command("list")
def user_list() -> None:
    """Every user with role, capabilities and scope: the periodic permission review."""
    from jiancha.services import access

    db = _db()
    _ready(db)
    for u in access.list_users(db):
        where = u["department_code"] or u["region_code"] or "(top level / 全部)"
        state = "" if u["active"] else " (disabled)"
        typer.echo(f"{u['username']}\t{u['role']}\t{where}\t{' '.join(u['capabilities'])}{state}")


@evaluation_app.command("show")
def evaluation_show(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    region: Annotated[str | None, typer.Option(help="A region code; none: every department.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
) -> None:
    """The month's scores so far (or final, for a finished month): departments ranked per level."""
    from jiancha.domain.access.scope import EVERYTHING
    from jiancha.services import evaluation
    from jiancha.services.access import Caller

    db = _db()
    _ready(db)
    try:
        result = evaluation.running(db, month, Caller(None, "cli", "cli", EVERYTHING), region)
    except Rejected as e:
        _fail(e)
    if as_json:
        typer.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
        return
    for d in sorted(result["departments"], key=lambda d: (d["level"], d["rank"])):
        typer.echo(f"{d['level']}\t{d['rank']}\t{d['score']}\t{d['department_code']}\t{d['name']}")


@evaluation_app.command("verify")
def evaluation_verify(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    region: Annotated[str, typer.Option(help="The region whose published month to check.")],
) -> None:
    """Recompute a published month from its sources as of its publication; exit 1 if it differs."""
    from jiancha.services import evaluation

    db = _db()
    _ready(db)
    try:
        published, again = evaluation.reproduce(db, region, month)
    except Rejected as e:
        _fail(e)
    if published != again:
        typer.echo(f"DIFFERS: the scores of {region} {month} no longer follow from their sources", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"OK: the published scores of {region} {month} follow from their sources")


@token_app.command("issue")
def token_issue(
    department: Annotated[str, typer.Option(help="the department whose cases the system pushes")],
    name: Annotated[str, typer.Option(help="the system, e.g. 市场监管局审批系统")],
    by: Annotated[str, typer.Option(help="who issues it (recorded)")] = "cli",
) -> None:
    """Issue a token for an integrating system; printed once (only its hash is kept)."""
    from jiancha.services import access

    db = _db()
    _ready(db)
    try:
        issued = access.issue_token(db, name, department, by=by)
    except Rejected as e:
        _fail(e)
    typer.echo(f"token {issued['id']} for {name} ({department}); keep it, it is not shown again:")
    typer.echo(issued["token"])


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    loaded_by: Annotated[str, typer.Option(help="Who loads it (recorded).")] = "admin",
) -> None:
    """Load a year's holiday schedule from JSON ({"year", "days": [...]}) or CSV (date,workday,name)."""
    from jiancha.services import calendar as calendar_service

    db = _db()
    _ready(db)
    try:
        year, days = calendar_service.parse_schedule(file.read_bytes(), file.name)
    except Rejected as e:
        _fail(e)
    calendar_service.load_year(db, year, days, source="file", by=loaded_by)
    typer.echo(f"calendar {year}: {len(days)} special days loaded")


@calendar_app.command("show")
def calendar_show(year: int) -> None:
    """Show what the calendar knows of a year."""
    from jiancha.store import calendar as calendar_store

    with _db().read() as conn:
        cal = calendar_store.load(conn)
        days = calendar_store.days_of(conn, year)
    if not cal.covers(year):
        typer.echo(f"{year}: no schedule loaded; working days are Monday to Friday (fallback)")
    for d in days:
        typer.echo(f"{d.day.isoformat()} {'上班' if d.is_workday else '休息'} {d.name}")


@report_app.command("monthly")
def report_monthly(
    agency: Annotated[str, typer.Option(help="the agency's region code, e.g. 330900")],
    month: Annotated[str, typer.Option(help="the month, YYYY-MM (local time)")],
    fmt: Annotated[str, typer.Option("--format", help="pdf, xlsx or both")] = "both",
    out: Annotated[Path, typer.Option(help="the folder to write the files to")] = Path("."),
    by: Annotated[str, typer.Option(help="who makes it (recorded in the ledger)")] = "cli",
) -> None:
    """Make the agency's monthly report (电子监察月报) as PDF and/or xlsx: written to --out, kept in
    the database and its SHA-256 ledgered."""
    from jiancha.domain.statistics import Month
    from jiancha.services import reports

    db = _db()
    _ready(db)
    try:
        period = Month.parse(month, "--month")
        formats = reports.FORMATS if fmt == "both" else (reports.check_format(fmt, "--format"),)
        out.mkdir(parents=True, exist_ok=True)
        for made in reports.make_formats(db, agency, period, formats, by):
            path = out / made.filename
            path.write_bytes(made.content)
            typer.echo(f"{path}  sha256 {made.sha256}  ledger entry {made.ledger_seq}")
    except Rejected as e:
        _fail(e)


@report_app.command("statistics")
def report_statistics(
    month: Annotated[str, typer.Option(help="the month, YYYY-MM (local time)")],
    region: Annotated[str | None, typer.Option(help="a region code: its subtree only")] = None,
) -> None:
    """Print a month's statistics as JSON (R-REP-3)."""
    from jiancha.domain.statistics import Month
    from jiancha.services import statistics

    db = _db()
    _ready(db)
    try:
        figures = statistics.monthly(db, Month.parse(month, "--month"), region=region)
    except Rejected as e:
        _fail(e)
    typer.echo(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskingFilter())  # no ID or phone number reaches a log (R-SEC-3)
    app()
