"""The survey form's fields and value lists: one definition for templates and the importer."""

from __future__ import annotations

from gisrev.vocab import FOUND_USES, OUTCOMES, Choice

# The order is the order of the form's columns.
FIELDS: tuple[str, ...] = (
    "parcel_code", "reason", "visited_at", "surveyor", "found_use", "buildings_count",
    "floors", "notes", "photo", "outcome",
)
# A position (EPSG:4326) a form may carry besides the fields; GPS from QField or ODK Collect.
POSITION_FIELDS: tuple[str, ...] = ("lon", "lat")
# Pre-filled from the worklist; the surveyor fills the rest.
PREFILLED: tuple[str, ...] = ("parcel_code", "reason")

FIELD_LABELS_TH: dict[str, str] = {
    "parcel_code": "รหัสแปลงที่ดิน",
    "reason": "เหตุที่ต้องสำรวจ",
    "visited_at": "วันที่สำรวจ",
    "surveyor": "ผู้สำรวจ",
    "found_use": "การใช้ประโยชน์ที่พบ",
    "buildings_count": "จำนวนสิ่งปลูกสร้าง",
    "floors": "จำนวนชั้น",
    "notes": "หมายเหตุ",
    "photo": "ไฟล์ภาพถ่าย",
    "outcome": "ผลการสำรวจ",
}

FIELD_HELP_EN: dict[str, str] = {
    "parcel_code": "parcel code (filled in)",
    "reason": "why the parcel is to be visited (filled in)",
    "visited_at": "date of the visit: 2023-08-14 or 14/8/2566",
    "surveyor": "surveyor's name",
    "found_use": "use found: " + ", ".join(c.code for c in FOUND_USES),
    "buildings_count": "number of buildings on the parcel (0 or more)",
    "floors": "floors of the main building (1 or more)",
    "notes": "notes",
    "photo": "photo file name",
    "outcome": "outcome: " + ", ".join(c.code for c in OUTCOMES),
}

# Spellings a person or another tool may type, mapped onto the codes.
_EXTRA_ALIASES: dict[str, dict[str, str]] = {
    "outcome": {
        "notfound": "not_found", "nochange": "no_change", "unchanged": "no_change",
        "ขึ้นทะเบียน": "registered", "แก้ไข": "corrected", "ไม่พบ": "not_found",
        "ปฏิเสธ": "refused", "ไม่เปลี่ยนแปลง": "no_change",
    },
    "found_use": {
        "commercial": "other", "industrial": "other", "residence": "residential",
        "agricultural": "agriculture", "พาณิชยกรรม": "other", "อุตสาหกรรม": "other",
        "ประกอบเกษตรกรรม": "agriculture", "อื่นๆ": "other", "ว่างเปล่า": "vacant",
        "อยู่อาศัย": "residential", "ใช้หลายประเภท": "mixed", "อื่น ๆ": "other",
        "ว่างเปล่า/ไม่ทำประโยชน์": "vacant", "อื่น ๆ (พาณิชย์/อุตสาหกรรม)": "other",
    },
}

# Column headers accepted for each field besides its own name (Thai labels, QField/ODK names).
HEADER_ALIASES: dict[str, str] = {
    **{label: field for field, label in FIELD_LABELS_TH.items()},
    "date": "visited_at", "visit_date": "visited_at", "visited_on": "visited_at",
    "use": "found_use", "buildings": "buildings_count", "n_buildings": "buildings_count",
    "photo_file": "photo", "note": "notes", "parcel": "parcel_code", "pcode": "parcel_code",
    # ODK Central's CSV export names a geopoint's parts like this
    "longitude": "lon", "location-longitude": "lon", "latitude": "lat", "location-latitude": "lat",
}


def _key(text: str) -> str:
    return " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


def _aliases(field: str, choices: tuple[Choice, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for c in choices:
        for spelling in (c.code, c.label_en, c.label_th):
            table[_key(spelling)] = c.code
    table.update({_key(k): v for k, v in _EXTRA_ALIASES.get(field, {}).items()})
    return table


_CHOICE_ALIASES = {
    "outcome": _aliases("outcome", OUTCOMES),
    "found_use": _aliases("found_use", FOUND_USES),
}


def choice_code(field: str, value: str) -> str | None:
    """Return the code a typed value of ``field`` (``outcome`` or ``found_use``) means, or None.

    Examples
    --------
    >>> choice_code("outcome", "Not found")
    'not_found'
    >>> choice_code("found_use", "commercial")
    'other'
    >>> choice_code("outcome", "maybe") is None
    True
    """
    return _CHOICE_ALIASES[field].get(_key(value))


def header_field(header: str) -> str | None:
    """Return the form field a column header names, or None for a column the form lacks."""
    text = str(header).strip()
    if text.lower() in FIELDS or text.lower() in POSITION_FIELDS:
        return text.lower()
    if text in HEADER_ALIASES:
        return HEADER_ALIASES[text]
    return HEADER_ALIASES.get(text.lower())
