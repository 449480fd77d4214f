"""The finding codes (fixed by the export contract) and their labels.

The order is the order of DESIGN.md's table; ``findings.flags`` lists codes in it.
"""

from __future__ import annotations

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
