"""What one analysis run found: the report :func:`gisrev.analyze.run_analysis` returns."""

from __future__ import annotations

import dataclasses

from gisrev.years import be


@dataclasses.dataclass(frozen=True)
class AnalysisReport:
    """What one analysis run found.

    Attributes
    ----------
    run_id
        The ``analysis_runs`` row of this run.
    tax_year
        CE tax year analysed.
    lgu_code
        The municipality analysed.
    n_parcels, n_register
        Parcels on the map and register rows for the year.
    matched
        Register rows matched to a parcel, by method (``exact``, ``normalised``, ``deed``).
    counts
        Findings per finding code (every code present, zeros included).
    n_findings
        Finding rows written (flagged parcels plus orphan register rows).
    total_gap
        Sum of the findings' gaps, in baht.
    duration_s
        Wall time of the run.
    stages
        Seconds per stage, in the order they ran.
    warnings
        What the run could not use and how to fix it (e.g. buildings valued at 0 baht for
        want of a value or a priced type code).
    """

    run_id: int
    tax_year: int
    lgu_code: str
    n_parcels: int
    n_register: int
    matched: dict[str, int]
    counts: dict[str, int]
    n_findings: int
    total_gap: float
    duration_s: float
    stages: dict[str, float]
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return a few lines for a terminal: findings per code and the revenue gap."""
        lines = [
            f"tax year {be(self.tax_year)} ({self.tax_year}), lgu {self.lgu_code}: "
            f"{self.n_parcels:,} parcels, {self.n_register:,} register rows, "
            f"{sum(self.matched.values()):,} matched "
            f"({', '.join(f'{k} {v:,}' for k, v in self.matched.items())})",
            f"{self.n_findings:,} findings, revenue gap {self.total_gap:,.2f} baht "
            f"({self.duration_s:.1f} s)",
        ]
        lines += [f"  {code:<20} {n:>8,}" for code, n in self.counts.items() if n]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)
