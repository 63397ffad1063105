"""The schema. Alembic migrations in `migrations/` create it; this module is what queries use."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from jiancha.store.types import Id, Json, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# -- organisation ---------------------------------------------------------------------------------
regions = Table(
    "regions",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", String(16), nullable=False),  # province / city / county
    Column("parent_code", String(32), ForeignKey("regions.code"), nullable=True),
    # The rule pack the region's departments are judged by (R-SIG-7); empty: its parent's, and at
    # the top the platform's (JIANCHA_PACK).
    Column("pack", String(64), nullable=True),
)

departments = Table(
    "departments",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region_code", String(32), ForeignKey("regions.code"), nullable=False),
)

# -- power catalogue (R-CAT-1..4): every version is a row, never updated --------------------------
item_versions = Table(
    "item_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("change_kind", String(16), nullable=False),
    Column("effective_from", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("changed_by", String(200), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("merged_into", String(64), nullable=True),
    # Searchable copies of the content's main fields; `content` is the whole PowerItem.
    Column("name", String(500), nullable=False),
    Column("item_type", String(32), nullable=False),
    Column("department_code", String(64), nullable=False),
    # Whether the item belongs in the public power list (R-OPEN-1), and the SHA-256 of the canonical
    # JSON of `content`: what a department's published entry is compared with (R-OPEN-3).
    Column("public", Boolean, nullable=False, server_default=true()),
    Column("content_sha256", String(64), nullable=False, server_default=""),
    Column("content", Json, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    UniqueConstraint("code", "version"),
    Index("ix_item_versions_code_effective", "code", "effective_from"),
    Index("ix_item_versions_department", "department_code"),
)

# -- working-day calendar (R-CAL-1..2) ------------------------------------------------------------
calendar_days = Table(
    "calendar_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("is_workday", Boolean, nullable=False),
    Column("name", String(100), nullable=False, default=""),
    Column("source", String(32), nullable=False),
)

calendar_years = Table(
    "calendar_years",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("source", String(32), nullable=False),  # chinesecalendar / file / api
    Column("loaded_at", UTCDateTime, nullable=False),
    Column("loaded_by", String(200), nullable=False),
)

# -- cases and their step events (R-ING-1..5) -----------------------------------------------------
cases = Table(
    "cases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_no", String(128), nullable=False, unique=True),
    Column("source_system", String(128), nullable=False),
    Column("item_code", String(64), nullable=False),
    Column("item_version_id", Id, ForeignKey("item_versions.id"), nullable=False),
    Column("department_code", String(64), nullable=False),
    Column("title", String(500), nullable=False, default=""),
    Column("applicant_name", String(200), nullable=False, default=""),
    Column("applicant_id_number", String(64), nullable=False, default=""),
    Column("applicant_phone", String(32), nullable=False, default=""),
    Column("check_code", String(32), nullable=False, default=""),
    Column("received_at", UTCDateTime, nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),  # when the platform first heard of it
    # When the case's own registration (applicant, check code) arrived; empty for a case known only
    # from its events. Once set, the registration is never changed in place (R-ING-4).
    Column("registration_at", UTCDateTime, nullable=True),
    # Derived state: the fold of the case's events (domain.clock.deadlines).
    Column("status", String(16), nullable=False),
    Column("current_step", String(64), nullable=True),
    Column("step_entered_at", UTCDateTime, nullable=True),
    Column("accepted_at", UTCDateTime, nullable=True),
    Column("suspended_since", UTCDateTime, nullable=True),
    Column("suspension_reason", String(64), nullable=True),
    Column("suspended_days", Integer, nullable=False, default=0),
    Column("step_suspended_days", Integer, nullable=False, default=0),
    Column("completed_at", UTCDateTime, nullable=True),
    Column("last_event_at", UTCDateTime, nullable=True),
    Column("event_count", Integer, nullable=False, default=0),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Column("promise_stated", Date, nullable=True),  # a promised day the source stated itself
    Column("promise_stated_stop", Integer, nullable=False, default=0, server_default="0"),
    Column("legal_due", Date, nullable=True),
    Column("promised_due", Date, nullable=True),
    Column("step_due", Date, nullable=True),
    Column("calendar_fallback", String(64), nullable=False, default=""),  # years, comma-separated
    Column("next_check_at", UTCDateTime, nullable=True),
    # A correction approved by the top-level agency (R-AUD-2): the ledger entry of the latest one
    # applied; a voided case stays readable but is no longer watched, listed to the public or judged.
    Column("voided", Boolean, nullable=False, default=False, server_default=false()),
    Column("correction_seq", BigInteger, nullable=True),
    Index("ix_cases_department_status", "department_code", "status"),
    Index("ix_cases_item", "item_code"),
    # A category (one item at one department) in the order its cases came: repeated-yellow escalation.
    Index("ix_cases_category_received", "department_code", "item_code", "received_at", "id"),
    # Statistics of a month (R-REP-3) read the cases received or finished in it.
    Index("ix_cases_received_at", "received_at"),
    Index("ix_cases_completed_at", "completed_at"),
    # The few voided cases, whose signals the statistics leave out without a join with every case.
    Index("ix_cases_voided", "id", sqlite_where=text("voided"), postgresql_where=text("voided")),
    # The clock asks only for rows due now: a partial index keeps that query cheap (DESIGN, Time).
    Index(
        "ix_cases_next_check_at",
        "next_check_at",
        sqlite_where=text("next_check_at IS NOT NULL"),
        postgresql_where=text("next_check_at IS NOT NULL"),
    ),
    # The hall screens count today's cases received and completed (the two indexes above); the
    # public reads published results newest first (R-OPEN-2).
    Index(
        "ix_cases_published_at",
        "published_at",
        sqlite_where=text("published_at IS NOT NULL"),
        postgresql_where=text("published_at IS NOT NULL"),
    ),
)

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source_system", String(128), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("case_no", String(128), nullable=False),
    Column("item_code", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("post", String(200), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("attributes", Json, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False, unique=True),
    # As for cases: a voided event stays (so a source re-sending it is told it is a duplicate) but
    # no longer counts in its case's fold; a corrected one holds the corrected content.
    Column("voided", Boolean, nullable=False, default=False, server_default=false()),
    Column("correction_seq", BigInteger, nullable=True),
    UniqueConstraint("source_system", "event_id", name="uq_events_source_event"),
    Index("ix_events_case_occurred", "case_id", "occurred_at"),
)

# -- attachments (R-ING-5): content-addressed, locked once their step closes ------------------------
attachments = Table(
    "attachments",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(200), nullable=False),
    Column("filename", String(500), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    Column("uploaded_by", String(200), nullable=False),
)

attachment_refs = Table(
    "attachment_refs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("step", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("sha256", String(64), ForeignKey("attachments.sha256"), nullable=False),
    Column("event_ledger_seq", BigInteger, nullable=False),
    Column("attached_at", UTCDateTime, nullable=False),
    Column("locked_at", UTCDateTime, nullable=True),
    # Set when a material of a closed step was given again with other content (R-ING-5).
    Column("changed_after_lock", Boolean, nullable=False, default=False),
    Index("ix_attachment_refs_case_step", "case_id", "step"),
)

# -- the ledger (R-AUD-1): append-only, hash-chained; triggers refuse UPDATE and DELETE ------------
ledger = Table(
    "ledger",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("ref", String(300), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("encoding", SmallInteger, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("prev_hash", LargeBinary, nullable=False),
    Column("entry_hash", LargeBinary, nullable=False),
)

# One row: the tip of the chain. Appenders lock it, which orders concurrent writers.
ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", LargeBinary, nullable=False),
)


# -- signals (R-SIG-1..6): raised by the rule engine, one open signal per case and rule -----------------
signals = Table(
    "signals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # A signal is about a case, or about something wider (a subject such as a silent feed or an
    # idle item, R-EVD-1): then case_id and case_no are empty and `subject` names it.
    Column("case_id", Id, ForeignKey("cases.id"), nullable=True),
    Column("case_no", String(128), nullable=True),
    Column("subject", String(200), nullable=True),
    Column("department_code", String(64), nullable=False),
    Column("pack", String(64), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("family", String(32), nullable=False),
    Column("colour", String(8), nullable=False),
    Column(
        "state", String(20), nullable=False
    ),  # open, explained, rectified, fault_confirmed, withdrawn, closed
    Column("raised_at", UTCDateTime, nullable=False),  # when the condition arose (a deadline's passing)
    Column("recorded_at", UTCDateTime, nullable=False),  # when the platform wrote it
    Column("deadline", Date, nullable=True),
    Column("article", String(300), nullable=False),
    Column("message_zh", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Column("explanation", Json, nullable=False),  # values, triggering events, deadline
    Column("ledger_seq", BigInteger, nullable=False),
    # R-SIG-2: when an unresolved yellow becomes red; the red points back at its yellow.
    Column("escalate_at", UTCDateTime, nullable=True),
    Column("escalated_from", Id, ForeignKey("signals.id"), nullable=True),
    # A rule speaks once per case: the same (case, rule) is never raised twice.
    UniqueConstraint("case_id", "rule_id", name="uq_signals_case_rule"),
    UniqueConstraint("subject", "rule_id", name="uq_signals_subject_rule"),
    Index("ix_signals_state_colour", "state", "colour"),
    Index("ix_signals_department", "department_code", "state"),
    Index("ix_signals_ledger_seq", "ledger_seq"),  # notifications find the signals just raised
    Index("ix_signals_raised_at", "raised_at"),  # the signals of a month (R-REP-3)
    Index(
        "ix_signals_escalate_at",
        "escalate_at",
        sqlite_where=text("escalate_at IS NOT NULL"),
        postgresql_where=text("escalate_at IS NOT NULL"),
    ),
)

# Every move of a signal through its life, attributed and ledgered (R-SIG-1, R-SUP-3).
signal_transitions = Table(
    "signal_transitions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("signal_id", Id, ForeignKey("signals.id"), nullable=False),
    Column("from_state", String(20), nullable=False),
    Column("to_state", String(20), nullable=False),
    Column("by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    # Materials given with the move (an explanation's evidence, a rectification report), by hash.
    Column("materials", Json, nullable=True),
    Index("ix_signal_transitions_signal", "signal_id"),
)

# Each departmental system that sends events (R-EVD-1, R-PAT-3): when it was last heard from, so a
# feed gone silent is found without reading the events table.
feeds = Table(
    "feeds",
    metadata,
    Column("source_system", String(128), primary_key=True),
    Column("department_code", String(64), nullable=False),
    Column("first_received_at", UTCDateTime, nullable=False),
    Column("last_received_at", UTCDateTime, nullable=False),
    Column("events", BigInteger, nullable=False),
    # Batches refused (R-PAT-3 error rate): how many events they held, and when the last came.
    Column("rejected_events", BigInteger, nullable=False, default=0),
    Column("last_rejected_at", UTCDateTime, nullable=True),
)

# Checks over a whole period (idle items, R-EVD-2) run once per rule and period: this says which ran.
periodic_checks = Table(
    "periodic_checks",
    metadata,
    Column("rule_id", String(64), primary_key=True),
    Column("period", String(16), primary_key=True),  # e.g. 2026-10
    Column("done_at", UTCDateTime, nullable=False),
)

# What each department actually published (R-OPEN-3): its portal's list of powers as captured at an
# instant, sent by its system or an administrator; every list is kept as received, and ledgered.
disclosure_lists = Table(
    "disclosure_lists",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("list_no", String(64), nullable=False, unique=True),
    Column("department_code", String(64), nullable=False),
    Column("source", String(500), nullable=False),  # the portal's address or name
    Column("captured_at", UTCDateTime, nullable=False),  # when the list was read from the portal
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(300), nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("entries", Json, nullable=False),  # as received: code, name, status, published_at, …
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_disclosure_lists_department", "department_code", "captured_at"),
)

# Every compiled OCDS release of a contracting process received (R-MON-2), as received; a process's
# newest row is its current state. `department_code` is the buyer's department (else the sender's).
procurement_releases = Table(
    "procurement_releases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ocid", String(200), nullable=False),
    Column("department_code", String(64), nullable=False),
    Column("title", String(500), nullable=False),
    Column("buyer", String(500), nullable=False),
    Column("release", Json, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(300), nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_procurement_releases_ocid", "ocid", "id"),
    Index("ix_procurement_releases_department", "department_code", "received_at"),
)

# Official vehicles (R-MON-3): each vehicle and its unit (a department), as last registered.
vehicles = Table(
    "vehicles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vehicle_id", String(64), nullable=False, unique=True),
    Column("department_code", String(64), nullable=False),
    Column("plate", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(300), nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_vehicles_department", "department_code", "vehicle_id"),
)

# A department's geofences (GeoJSON) as received; every version kept, the newest in force.
vehicle_geofences = Table(
    "vehicle_geofences",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("department_code", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("geojson", Json, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("fence_count", Integer, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(300), nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    UniqueConstraint("department_code", "version"),
)

# Every fix received, once per vehicle and instant; `ledger_seq` is its batch's ledger entry, which
# holds the batch's count and SHA-256 over its rows (services/vehicles.py says why not one a row).
vehicle_fixes = Table(
    "vehicle_fixes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vehicle_id", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("speed_kmh", Float, nullable=True),
    Column("ignition", Boolean, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    UniqueConstraint("vehicle_id", "at"),  # also the index reading a vehicle's window
    Index("ix_vehicle_fixes_ledger_seq", "ledger_seq"),
)

# The episodes the checks found (derived from the fixes, so not ledgered; the signals they raised
# are): an episode seen again in a later window is recognised by overlapping one kept here.
vehicle_episodes = Table(
    "vehicle_episodes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vehicle_id", String(64), nullable=False),
    Column("department_code", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("fence_id", String(200), nullable=False),  # '' when the episode has no fence
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("ongoing", Boolean, nullable=False),
    Column("raised", Boolean, nullable=False),
    Column("subject", String(200), nullable=False, unique=True),
    Column("values", Json, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_vehicle_episodes_vehicle", "vehicle_id", "kind", "start"),
)

# Each item a department's lists ever showed, as its latest list shows it: the fold of the lists,
# so the pre-disclosure checks read one row per item instead of every list.
disclosed_items = Table(
    "disclosed_items",
    metadata,
    Column("department_code", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("name", String(500), nullable=False),
    Column("status", String(16), nullable=False),  # as published: active, suspended, cancelled …
    Column("content_sha256", String(64), nullable=True),  # as published, of the whole item
    Column("content", Json, nullable=True),  # the fields published, when the list gave them
    Column("state_sha256", String(64), nullable=False),  # of name, status, hash and content
    Column("listed", Boolean, nullable=False),  # in the department's latest list
    Column("listed_since", UTCDateTime, nullable=True),  # start of the current listing
    Column("active_since", UTCDateTime, nullable=True),  # since when listed as in force (active)
    Column("content_since", UTCDateTime, nullable=True),  # since when it shows what it shows now
    Column("content_seen_at", UTCDateTime, nullable=True),  # the capture that first showed that
    Column("omitted_since", UTCDateTime, nullable=True),  # the capture that first left it out
    Column("list_id", Id, ForeignKey("disclosure_lists.id"), nullable=False),  # the latest list
)

# Supervision notices (督办, R-SUP-2): what a department must report on, by when, and what it said.
notices = Table(
    "notices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("notice_no", String(64), nullable=False, unique=True),
    # supervise (督办) or one of the measures of R-SUP-1 (explain, materials, perform, stop, …).
    Column("kind", String(24), nullable=False, server_default="supervise"),
    Column("department_code", String(64), nullable=False),
    Column("case_no", String(128), nullable=True),
    Column("signal_id", Id, ForeignKey("signals.id"), nullable=True),
    Column("title", String(500), nullable=False),
    Column("requirement", Text, nullable=False),
    Column("pack", String(64), nullable=False),
    Column("state", String(24), nullable=False),
    Column("issued_by", String(200), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("extensions", Integer, nullable=False, default=0),
    Column("extension_days", Integer, nullable=True),  # asked for, while a request is pending
    Column("extension_reason", Text, nullable=True),
    Column("report", Text, nullable=True),
    Column("reported_by", String(200), nullable=True),
    Column("reported_at", UTCDateTime, nullable=True),
    Column("closed_by", String(200), nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    # The instant the clock must look at it: the end of its due day while the report is awaited.
    Column("watch_at", UTCDateTime, nullable=True),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_notices_department", "department_code", "state"),
    Index(
        "ix_notices_watch_at",
        "watch_at",
        sqlite_where=text("watch_at IS NOT NULL"),
        postgresql_where=text("watch_at IS NOT NULL"),
    ),
)

# Every action on a notice, attributed and ledgered (R-SUP-3).
notice_actions = Table(
    "notice_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("notice_id", Id, ForeignKey("notices.id"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("by", String(200), nullable=False),
    Column("detail", Json, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_notice_actions_notice", "notice_id"),
)

# Accountability records (R-SUP-4): finding, measures, mitigation; attributed and ledgered.
accountability = Table(
    "accountability",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("record_no", String(64), nullable=False, unique=True),
    Column("department_code", String(64), nullable=False),
    Column("signal_id", Id, ForeignKey("signals.id"), nullable=True),
    Column("notice_no", String(64), nullable=True),
    Column("fault", Boolean, nullable=False),
    Column("finding", Text, nullable=False),
    Column("measures", Json, nullable=False),
    Column("official", String(200), nullable=False),
    Column("self_corrected", Boolean, nullable=False),
    Column("mitigation", Text, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_accountability_department", "department_code", "decided_at"),
)

# Complaints from the public (R-PUB-1); the complainant's name and phone only for real-name ones.
complaints = Table(
    "complaints",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("complaint_no", String(64), nullable=False, unique=True),
    Column("department_code", String(64), nullable=False),
    Column("case_no", String(128), nullable=True),
    Column("content", Text, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("complainant_name", String(100), nullable=False),
    Column("complainant_phone", String(32), nullable=False),
    Column("pack", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("decide_due", Date, nullable=False),
    Column("decision_reason", Text, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("result_due", Date, nullable=True),
    Column("result", Text, nullable=True),
    Column("resulted_at", UTCDateTime, nullable=True),
    Column("watch_at", UTCDateTime, nullable=True),  # the end of the due day the clock waits for
    # The agency's verdict on the result (查实 or not): an upheld complaint costs the department
    # points in its evaluation (R-EVA-1).
    Column("upheld", Boolean, nullable=True),
    Column("verdict_at", UTCDateTime, nullable=True),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_complaints_department", "department_code", "state"),
    Index(
        "ix_complaints_watch_at",
        "watch_at",
        sqlite_where=text("watch_at IS NOT NULL"),
        postgresql_where=text("watch_at IS NOT NULL"),
    ),
)

complaint_actions = Table(
    "complaint_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("complaint_id", Id, ForeignKey("complaints.id"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("by", String(200), nullable=False),
    Column("detail", Json, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_complaint_actions_complaint", "complaint_id"),
)

# Satisfaction (R-PUB-2): the applicant's rating of a case (once), and revisits by the agency.
ratings = Table(
    "ratings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("case_no", String(128), nullable=False),
    Column("department_code", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # rating (the applicant) | revisit (the agency)
    Column("channel", String(16), nullable=False),  # web, device (评价器), phone, visit, sms
    Column("score", Integer, nullable=False),  # 1 very dissatisfied … 5 very satisfied
    Column("comment", Text, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_ratings_department", "department_code", "at"),
    Index("ix_ratings_case", "case_id", "kind"),
)

# Sampling (R-PAT-2): a seeded, reproducible draw of cases from a filter, and the review findings.
samples = Table(
    "samples",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sample_no", String(64), nullable=False, unique=True),
    Column("seed", BigInteger, nullable=False),
    Column("size", Integer, nullable=False),
    Column("filter", Json, nullable=False),
    Column("population", Integer, nullable=False),  # how many cases the filter matched
    Column("case_nos", Json, nullable=False),
    Column("drawn_by", String(200), nullable=False),
    # The agency (region) that drew it, whose scope bounded the population; empty: the top level.
    Column("agency_region", String(32), nullable=True),
    Column("drawn_at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
)

sample_findings = Table(
    "sample_findings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sample_id", Id, ForeignKey("samples.id"), nullable=False),
    Column("case_no", String(128), nullable=False),
    Column("compliant", Boolean, nullable=False),
    Column("finding", Text, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_sample_findings_sample", "sample_id"),
)

# Patrols (R-PAT-1): who looked at which region's platform or hall, how, when, and what they found.
patrols = Table(
    "patrols",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("agency_region", String(32), nullable=False),  # the supervision agency's region
    Column("target_region", String(32), nullable=False),  # the region whose platform or hall it saw
    Column("kind", String(8), nullable=False),  # data | video
    Column("by", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("findings", Text, nullable=False),
    Column("issue_found", Boolean, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_patrols_agency_at", "agency_region", "at"),
)

# -- notifications (R-SIG-8) ------------------------------------------------------------------------
# Who is told what: a role (in a department, or everywhere) or one user, for a kind of event
# (optionally one colour or rule family), through a channel, at an address.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("audience", String(8), nullable=False),  # role | user
    Column("name", String(200), nullable=False),  # the role (handler, supervisor, ...) or the user
    Column("department_code", String(64), nullable=True),  # only this department's; empty: all
    Column("kind", String(32), nullable=False),  # what happened: signal
    Column("colour", String(8), nullable=True),  # empty: every colour
    Column("family", String(32), nullable=True),  # empty: every rule family
    Column("channel", String(16), nullable=False),  # file, webhook, sms, email, dingtalk, wecom
    Column("address", String(500), nullable=False),  # URL, phone number, e-mail address, ...
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Messages waiting to be sent, sent, or given up on: written in the transaction of what they tell,
# sent by the worker, which claims each with a conditional UPDATE (healthchecks' Flip).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # The same message is never queued twice; it travels with the message so receivers deduplicate.
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),  # signal
    Column("subject", String(300), nullable=False),  # what it is about, e.g. signal:C-1/PR-SKIPPED
    Column("recipient", String(210), nullable=False),  # role:supervisor, user:zhangsan
    Column("channel", String(16), nullable=False),
    Column("address", String(500), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(8), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    # When the worker may try next; empty once sent or given up on (a partial index serves the loop).
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Index(
        "ix_outbox_next_attempt_at",
        "next_attempt_at",
        sqlite_where=text("next_attempt_at IS NOT NULL"),
        postgresql_where=text("next_attempt_at IS NOT NULL"),
    ),
    Index("ix_outbox_state", "state", "id"),
)

# -- access (R-SEC-1): people, their sessions, and the integrating systems' tokens -------------------
users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(24), nullable=False),
    # A supervisor's agency (its region; empty: the top-level agency, everything) or, for a post
    # user, the region of its department.
    Column("region_code", String(32), nullable=True),
    Column("department_code", String(64), nullable=True),  # a post user's department
    Column("leader", Boolean, nullable=False, default=False),  # the unit's leader: approves exports
    Column("reads_cases", Boolean, nullable=False, default=False),  # an administrator granted case content
    Column("password_hash", String(200), nullable=False),  # argon2id
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
)

# A session's token is in the person's cookie; only its SHA-256 is here, so a copy of the database
# opens no session.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_sessions_user", "user_id"),
)

# Per-system API tokens (DESIGN: Access): scoped to one department and to ingestion; stored hashed.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),  # the system, e.g. 市场监管局审批系统
    Column("department_code", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

# Exports (R-SEC-2): requested with a reason, approved by the unit's leader, downloaded once; each
# step ledgered (who, what, when, why).
exports = Table(
    "exports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("export_no", String(64), nullable=False, unique=True),
    Column("what", String(32), nullable=False),  # supervision_ledger, cases, signals
    Column("params", Json, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requester_id", Id, ForeignKey("users.id"), nullable=False),
    Column("requested_by", String(300), nullable=False),
    # The unit whose leader approves: the requester's agency (region) or department.
    Column("unit_region", String(32), nullable=True),
    Column("unit_department", String(64), nullable=True),
    Column("state", String(16), nullable=False),  # requested, approved, refused, downloaded
    Column("requested_at", UTCDateTime, nullable=False),
    Column("decided_by", String(300), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("downloaded_at", UTCDateTime, nullable=True),
    Column("rows", Integer, nullable=True),
    Column("sha256", String(64), nullable=True),  # of the file given out
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_exports_unit", "unit_region", "unit_department", "state"),
)

# Corrections of important data (R-AUD-2): deleting or altering a case, an event or a catalogue
# entry is asked for with a reason and applied only once a leader of the top-level agency approves;
# `before` keeps what it replaced (the original also stays in the ledger, which is never changed).
corrections = Table(
    "corrections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("correction_no", String(64), nullable=False, unique=True),
    Column("target", String(16), nullable=False),  # case, event, catalogue
    Column("ref", String(300), nullable=False),  # case number; source/event id; item codes
    Column("action", String(16), nullable=False),  # correct, void
    Column("department_code", String(64), nullable=True),  # whose data it is (scope)
    Column("original_seq", BigInteger, nullable=True),  # the ledger entry that recorded the original
    Column("before", Json, nullable=False),
    Column("after", Json, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requester_id", Id, nullable=True),
    Column("requested_by", String(300), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # requested, approved, refused
    Column("decided_by", String(300), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("ledger_seq", BigInteger, nullable=False),  # the request's entry
    Column("applied_seq", BigInteger, nullable=True),  # the approval's entry: the correction itself
    Index("ix_corrections_state", "state", "department_code"),
    Index("ix_corrections_target", "target", "ref"),
)

# Performance evaluation (绩效测评, R-EVA-2): a month's scores for a region, once published, are an
# archive that never changes (the same record is in the ledger); later corrections are adjustments.
evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("region_code", String(32), nullable=False),
    Column("month", Date, nullable=False),  # its first day
    Column("as_of", UTCDateTime, nullable=False),  # the sources counted were those known then
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_by", String(300), nullable=False),
    Column("results", Json, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    UniqueConstraint("region_code", "month", name="uq_evaluations_region_month"),
)

evaluation_adjustments = Table(
    "evaluation_adjustments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("evaluation_id", Id, ForeignKey("evaluations.id"), nullable=False, index=True),
    Column("department_code", String(64), nullable=False),
    Column("official", String(200), nullable=True),
    Column("points", Numeric(8, 2), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(300), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
)

# -- signed checkpoints over the ledger (issue 5): append-only, like the ledger ---------------------
# One row per checkpoint: the RFC 6962 root of the first `tree_size` ledger entries, signed.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary, nullable=False),
    Column("origin", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("public_key", LargeBinary, nullable=False),  # the raw key, so old keys stay published
    Column("signature", LargeBinary, nullable=False),
)

# Hashes of the complete subtrees of 2^level entries (level >= store.checkpoints.BLOCK_LEVEL),
# so a root or a proof reads O(log n) rows and at most a few blocks of entries, never the ledger.
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)

# -- monthly reports (电子监察月报, R-REP-1) -----------------------------------------------------------
# Every report made, as it was given out (PDF or xlsx), with its SHA-256 in the ledger: what an
# agency sent to its leaders can be shown later, byte for byte.
reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("agency_region", String(32), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("format", String(8), nullable=False),  # pdf | xlsx
    Column("content", LargeBinary, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("made_at", UTCDateTime, nullable=False),
    Column("made_by", String(300), nullable=False),
    # Made after the month ended: its figures are the month's whole (a report of a month still
    # running is kept too, but never handed out again in place of a fresh one).
    Column("complete", Boolean, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Index("ix_reports_agency_month", "agency_region", "month", "format"),
)

# The records the monitors of other supervised areas receive (R-MON-4..10: receptions, meetings,
# prescriptions, village transactions, project facts, integrity events, check-ins): the current
# version of each, as its kind's model validated it. Every version is in the ledger, whose entry
# `ledger_seq` names; a record sent again unchanged adds nothing.
monitor_records = Table(
    "monitor_records",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("monitor", String(32), nullable=False),  # its rule family, e.g. three_public
    Column("kind", String(32), nullable=False),  # e.g. reception
    Column("record_id", String(128), nullable=False),  # the source system's id
    Column("department_code", String(64), nullable=False),
    Column("day", Date, nullable=False),  # the record's own day (its kind names the field)
    Column("data", Json, nullable=False),
    Column("version", Integer, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(300), nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    UniqueConstraint("monitor", "kind", "record_id"),
    Index("ix_monitor_records_department", "monitor", "department_code", "day"),
)
