"""The power catalogue (R-CAT-1..5): read, change, import and export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from jiancha.domain.catalogue import CatalogueChange
from jiancha.domain.errors import Rejected
from jiancha.domain.timeutil import utcnow
from jiancha.domain.validation import problems_from
from jiancha.interfaces.api.access import Manager, Public
from jiancha.interfaces.api.deps import database, json_body, raw_body
from jiancha.interfaces.api.errors import not_found
from jiancha.interfaces.files.catalogue_files import read_catalogue, write_catalogue
from jiancha.services import catalogue, corrections, organisation
from jiancha.store import catalogue as catalogue_store
from jiancha.store.database import Database
from jiancha.store.tables import item_versions

router = APIRouter(tags=["catalogue"])
_changes = TypeAdapter(list[CatalogueChange])
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def _json_body(model: str, *, either_one_or_many: bool = False) -> dict[str, Any]:
    """The OpenAPI of a body these routes read raw (to report every problem at once)."""
    ref = {"$ref": f"#/components/schemas/{model}"}
    schema = {"oneOf": [ref, {"type": "array", "items": ref}]} if either_one_or_many else ref
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@router.get("/catalogue/items")
def list_items(
    _: Public,
    db: Annotated[Database, Depends(database)],
    q: Annotated[str | None, Query(max_length=100)] = None,
    item_type: Annotated[str | None, Query(max_length=32)] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> dict[str, Any]:
    with db.read() as conn:
        rows = list(catalogue_store.latest(conn).values())
    out = []
    for r in rows:
        if q and q not in r.name and q not in r.code:
            continue
        if (item_type and r.item_type != item_type) or (department and r.department_code != department):
            continue
        if status and r.status != status:
            continue
        out.append(
            {
                **catalogue_store.version_dict(r),
                "name": r.name,
                "item_type": r.item_type,
                "department_code": r.department_code,
            }
        )
    return {"total": len(out), "items": out}


@router.get("/catalogue/items/{code}")
def get_item(_: Public, code: str, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    with db.read() as conn:
        history = catalogue_store.versions(conn, [code]).get(code)
    if not history:
        raise not_found("事项", "item")
    newest = max(history, key=lambda r: r.version)
    return {
        **catalogue_store.version_dict(newest),
        "item": newest.content,
        "versions": [catalogue_store.version_dict(r) for r in sorted(history, key=lambda r: r.version)],
    }


@router.get("/catalogue/items/{code}/versions/{version}")
def get_item_version(
    _: Public,
    code: str,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(
            select(item_versions).where(item_versions.c.code == code, item_versions.c.version == version)
        ).first()
    if row is None:
        raise not_found("事项版本", "item version")
    return {**catalogue_store.version_dict(row), "item": row.content}


@router.post(
    "/catalogue/changes",
    summary="Add items; changes to existing ones (change, delete, merge, cancel, suspend, resume) "
    "wait for the top-level agency's approval (R-AUD-2)",
    openapi_extra=_json_body("CatalogueChange", either_one_or_many=True),
)
def post_changes(
    who: Manager, raw: Annotated[Any, Depends(json_body)], db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    try:
        changes = _changes.validate_python(raw if isinstance(raw, list) else [raw])
    except ValidationError as e:
        raise Rejected(
            "catalogue_rejected",
            "事项清单有错误，未作任何更改",
            "the catalogue has errors; nothing was changed",
            problems_from(e),
        ) from e
    changes = [c.model_copy(update={"changed_by": who.label}) for c in changes]
    return corrections.change_catalogue(db, changes, who)


_FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


@router.post(
    "/catalogue/import",
    summary="Import a catalogue file (xlsx, csv or json); all or nothing",
    openapi_extra=_FILE_BODY,
)
def import_catalogue(
    who: Manager,
    data: Annotated[bytes, Depends(raw_body)],
    db: Annotated[Database, Depends(database)],
    format: Literal["xlsx", "csv", "json"],
    changed_by: Annotated[str, Query(max_length=200)] = "",  # ignored: the signed-in caller
) -> dict[str, Any]:
    changes = read_catalogue(data, format, now=utcnow(), changed_by=who.label)
    return corrections.change_catalogue(db, changes, who)


@router.get("/catalogue/export", response_class=Response)
def export_catalogue(
    _: Public, db: Annotated[Database, Depends(database)], format: Literal["xlsx", "csv", "json"] = "json"
) -> Response:
    data = write_catalogue(catalogue.current_items(db), format)
    return Response(
        data,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="catalogue.{format}"'},
    )


@router.get("/organisation", tags=["organisation"])
def get_organisation(_: Public, db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    return organisation.load(db)


@router.post("/organisation", tags=["organisation"], openapi_extra=_json_body("Organisation"))
def post_organisation(
    who: Manager, raw: Annotated[Any, Depends(json_body)], db: Annotated[Database, Depends(database)]
) -> dict[str, int]:
    return organisation.save(db, organisation.parse(raw), by=who.label)
