"""The register's column-wise fast path parses exactly as the per-row parser does.

The fuzzer and the comparison live in tests/fuzz_register.py; ``bench/register.py
--check`` runs the same check on more rows beside its measurements of both paths, and
this runs it on a few seeds so CI holds it.
"""

from __future__ import annotations

from fuzz_register import check_fast_path


def test_fuzzed_rows_give_the_per_row_values_and_rejects(capsys):
    # Awkward but valid cells (Thai digits, separators, BE years, no-break spaces) and
    # broken ones (bad dates, short rows, unknown codes), with and without --year.
    check_fast_path(600, seeds=4)  # raises SystemExit(1) at a difference
    out = capsys.readouterr().out
    assert out.count("same as row by row") == 8
    assert "DIFFERENT" not in out
    # The fast path really was taken for some rows, not everything sent row by row.
    sent_row_by_row = [int(line.split(" rows, ")[1].split(" to the")[0].replace(",", ""))
                       for line in out.splitlines() if "to the per-row parser" in line]
    assert any(n < 600 for n in sent_row_by_row)
