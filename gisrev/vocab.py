"""The vocabulary: finding codes, use categories and survey outcomes, with their labels.

One Thai and one English label per concept, used by every page, sheet, report and by
the analysis SQL (which gets them as rows of a session table, see :func:`label_rows`),
so a surveyor reads the same words everywhere. The codes themselves are fixed: the
export contract and the database use them.
"""

from __future__ import annotations

import dataclasses

__all__ = [
    "CONFIRMED_OUTCOMES",
    "DESK_ACTIONS",
    "DESK_CODES",
    "FIELD_CODES",
    "FINDING_CODES",
    "FINDING_LABELS",
    "FOUND_USES",
    "HOLDINGS",
    "OUTCOMES",
    "OWNER_TYPES",
    "RESIDENTIAL_SUBCASES",
    "USE_CATEGORIES",
    "USE_LABELS",
    "Choice",
    "label_rows",
]


@dataclasses.dataclass(frozen=True)
class Choice:
    """One allowed value of a coded field, with its labels."""

    code: str
    label_th: str
    label_en: str


#: Finding codes in DESIGN.md's order, the order ``findings.flags`` lists them in.
FINDING_CODES: tuple[str, ...] = (
    "UNREGISTERED",
    "UNDERPAID",
    "USE_MISMATCH",
    "AREA_MISMATCH",
    "UNDECLARED_BUILDING",
    "ARREARS",
    "ORPHAN_RECORD",
    "DUPLICATE_RECORD",
)

#: Thai and English labels a surveyor or a council member reads.
FINDING_LABELS: dict[str, tuple[str, str]] = {
    "UNREGISTERED": ("ไม่มีในทะเบียน", "Unregistered"),
    "UNDERPAID": ("ประเมินต่ำกว่าที่ควร", "Underpaid"),
    "USE_MISMATCH": ("การใช้ประโยชน์ไม่ตรง", "Use mismatch"),
    "AREA_MISMATCH": ("เนื้อที่ไม่ตรง", "Area mismatch"),
    "UNDECLARED_BUILDING": ("สิ่งปลูกสร้างไม่ได้แจ้ง", "Undeclared building"),
    "ARREARS": ("ค้างชำระ", "Arrears"),
    "ORPHAN_RECORD": ("ไม่พบแปลงในแผนที่", "Not on the map"),
    "DUPLICATE_RECORD": ("บัญชีซ้ำ", "Duplicate record"),
}

#: Codes that always need a visit, whatever their gap (DESIGN.md, "Field work and desk work").
FIELD_CODES: tuple[str, ...] = ("UNREGISTERED", "UNDECLARED_BUILDING")
#: Codes the office settles from papers: they go to the desk list, never to a surveyor.
DESK_CODES: tuple[str, ...] = ("ARREARS", "ORPHAN_RECORD", "DUPLICATE_RECORD")

#: Why a finding is on the desk list (a desk code, a gap too small for a visit, or a parcel a
#: survey already resolved) and what the office does about it, in Thai and English.
DESK_ACTIONS: dict[str, tuple[str, str]] = {
    "ARREARS": ("ติดตามการชำระ", "follow up the payment"),
    "ORPHAN_RECORD": ("หาแปลงในแผนที่", "find the parcel on the map"),
    "DUPLICATE_RECORD": ("ตรวจสอบบัญชีซ้ำ", "check the duplicate accounts"),
    "SMALL_GAP": (
        "ส่วนต่างต่ำกว่าเกณฑ์ออกสำรวจ ตรวจจากเอกสาร",
        "gap below the field minimum: check from the papers",
    ),
    "RESOLVED": ("สำรวจแล้ว รอปรับปรุงทะเบียน", "resolved by survey, awaiting the register"),
}

#: The Act's use categories (s.37), plus ``mixed`` for a parcel put to several.
USE_CATEGORIES: tuple[str, ...] = ("agriculture", "residential", "other", "vacant", "mixed")
#: The residential sub-cases the tax tells apart (THAI_LBT.md §3).
RESIDENTIAL_SUBCASES: tuple[str, ...] = (
    "residential-primary", "residential-primary-building", "residential-other",
)

#: What one register account holds (DESIGN.md, canonical data); a blank holding reads as the
#: first, land and building together.
HOLDINGS: tuple[str, ...] = ("land+building", "land", "building", "unit", "share")

#: Thai and English labels of the use categories and the residential sub-cases.
USE_LABELS: dict[str, tuple[str, str]] = {
    "agriculture": ("เกษตรกรรม", "agriculture"),
    "residential": ("ที่อยู่อาศัย", "residential"),
    "residential-primary": ("ที่อยู่อาศัยหลัก", "primary residence"),
    "residential-primary-building": (
        "บ้านหลัก (เฉพาะสิ่งปลูกสร้าง)", "primary residence, house only",
    ),
    "residential-other": ("ที่อยู่อาศัยอื่น", "other residential"),
    "other": ("อื่น ๆ (พาณิชยกรรม/อุตสาหกรรม)", "other (commercial/industrial)"),
    "vacant": ("ที่ดินว่างเปล่า", "vacant"),
    "mixed": ("ใช้ประโยชน์หลายประเภท", "mixed use"),
}

#: Who owns a property, as the Act tells them apart (a juristic person has no home).
OWNER_TYPES: tuple[str, ...] = ("individual", "juristic")

#: What a surveyor found at a parcel, in the order the form offers them.
OUTCOMES: tuple[Choice, ...] = (
    Choice("registered", "ขึ้นทะเบียนแล้ว", "registered"),
    Choice("corrected", "แก้ไขข้อมูลแล้ว", "corrected"),
    Choice("not_found", "ไม่พบแปลง", "not found"),
    Choice("refused", "ปฏิเสธให้ข้อมูล", "refused"),
    Choice("no_change", "ไม่มีการเปลี่ยนแปลง", "no change"),
)
#: Outcomes that mean the register must be (or was) changed: these go to the keying sheet.
CONFIRMED_OUTCOMES: tuple[str, ...] = ("registered", "corrected")

#: The uses a surveyor can record: the categories, labelled as everywhere else.
FOUND_USES: tuple[Choice, ...] = tuple(Choice(c, *USE_LABELS[c]) for c in USE_CATEGORIES)


def label_rows() -> list[dict[str, str]]:
    """Return every label as a row (kind, code, th, en), as the analysis SQL reads them.

    Examples
    --------
    >>> [r for r in label_rows() if r["code"] == "vacant"]
    [{'kind': 'use', 'code': 'vacant', 'th': 'ที่ดินว่างเปล่า', 'en': 'vacant'}]
    """
    rows = [{"kind": "finding", "code": c, "th": th, "en": en}
            for c, (th, en) in FINDING_LABELS.items()]
    rows += [{"kind": "use", "code": c, "th": th, "en": en} for c, (th, en) in USE_LABELS.items()]
    rows += [{"kind": "outcome", "code": c.code, "th": c.label_th, "en": c.label_en}
             for c in OUTCOMES]
    return rows
