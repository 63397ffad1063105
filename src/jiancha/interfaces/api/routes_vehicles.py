"""Official vehicles (公务用车, R-MON-3): vehicles and their units, geofences and GPS/BeiDou fixes
in; vehicles, their episodes and mileage out. The episodes' signals are signals like any other
(`/signals?rule=VU-HOURS`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from jiancha.domain.errors import Rejected
from jiancha.interfaces.api.access import ListSender, Reader
from jiancha.interfaces.api.deps import database, json_body
from jiancha.interfaces.api.errors import not_found
from jiancha.services import vehicles
from jiancha.store.database import Database

router = APIRouter(tags=["vehicles"])

_VEHICLES_BODY = {
    "requestBody": {
        "required": True,
        "description": "A vehicle or an array: vehicle_id, department_code (its unit), plate, name.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": vehicles.MAX_VEHICLES,
                    "items": {
                        "type": "object",
                        "required": ["vehicle_id"],
                        "properties": {
                            "vehicle_id": {"type": "string", "maxLength": 64},
                            "department_code": {"type": "string", "maxLength": 64},
                            "plate": {"type": "string", "maxLength": 32},
                            "name": {"type": "string", "maxLength": 200},
                        },
                    },
                }
            }
        },
    }
}
_GEOJSON_BODY = {
    "requestBody": {
        "required": True,
        "description": "A GeoJSON FeatureCollection of the unit's fences (docs/monitors.md).",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}
_FIXES_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            f"At most {vehicles.MAX_FIXES} fixes: JSON (an array of fixes, or {{vehicle_id, points}}, "
            "or an array of those) or CSV with a header (vehicle_id, at, lat, lon[, speed_kmh, ignition])."
        ),
        "content": {
            "application/json": {"schema": {"type": ["array", "object"]}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


async def _body(request: Request) -> tuple[bytes, bool]:
    data = await request.body()
    if not data:
        raise Rejected("empty_body", "请求内容为空", "the request body is empty", status=400)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return data, media == "text/csv"


@router.post(
    "/vehicles",
    status_code=201,
    openapi_extra=_VEHICLES_BODY,
    summary="Register official vehicles with their unit (a department)",
)
def post_vehicles(
    who: ListSender, raw: Annotated[Any, Depends(json_body)], db: Annotated[Database, Depends(database)]
) -> JSONResponse:
    """A unit's system registers its own vehicles (the unit defaults to its department); an
    administrator names the unit."""
    items = vehicles.parse_vehicles(raw)
    return JSONResponse(vehicles.register(db, items, who.label, who.department_code), status_code=201)


@router.put(
    "/vehicles/geofences/{department}",
    openapi_extra=_GEOJSON_BODY,
    summary="A unit's geofences (GeoJSON); a new version unless unchanged",
)
def put_geofences(
    department: Annotated[str, Path(max_length=64)],
    who: ListSender,
    raw: Annotated[Any, Depends(json_body)],
    db: Annotated[Database, Depends(database)],
) -> dict[str, Any]:
    return vehicles.receive_geofences(db, department, raw, who.label, who.department_code)


@router.post(
    "/vehicles/fixes",
    status_code=201,
    openapi_extra=_FIXES_BODY,
    summary="GPS/BeiDou fixes of registered vehicles; the checks run at once",
)
def post_fixes(
    who: ListSender,
    body: Annotated[tuple[bytes, bool], Depends(_body)],
    db: Annotated[Database, Depends(database)],
) -> JSONResponse:
    """From the unit's system (its token: its own vehicles only) or an administrator. A bad fix
    refuses the whole batch, naming its row (or item) and field."""
    fixes = vehicles.read_fixes(*body)
    return JSONResponse(vehicles.receive_fixes(db, fixes, who.label, who.department_code), status_code=201)


@router.get("/vehicles", summary="Official vehicles in scope, with their last fix")
def get_vehicles(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    department: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    rows = vehicles.list_vehicles(db, who.scope, department)
    return {"total": len(rows), "vehicles": rows}


@router.get("/vehicles/mileage", summary="Kilometres per vehicle and unit in a month, by day")
def get_mileage(
    who: Reader,
    db: Annotated[Database, Depends(database)],
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
) -> dict[str, Any]:
    return vehicles.monthly_mileage(db, month, who.scope)


@router.get("/vehicles/{vehicle_id}", summary="A vehicle: its recent episodes and their signals")
def get_vehicle(
    vehicle_id: Annotated[str, Path(max_length=64)], who: Reader, db: Annotated[Database, Depends(database)]
) -> dict[str, Any]:
    found = vehicles.vehicle(db, vehicle_id, who.scope)
    if found is None:
        raise not_found("公务用车", "official vehicle")
    return found
