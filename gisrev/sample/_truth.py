"""Ground truth: the findings the analysis must reach, worked out from the generator's state.

This re-implements the analysis rules (matching, evidence, expected tax, flags, gap) on
plain data frames, independently of the SQL analysis, so each can check the other. The
shared pieces are the tax engine (:mod:`gisrev.tax`) and the loader's parcel-code rule
(:mod:`gisrev.load.normalise`), which the analysis matches on.

The rules for what a register does not give are README.md's "What each finding needs":
unknown is never zero. A register column left out (or a cell left blank) is NaN here: no
finding rests on it, and the residential sub-case it would have told is read off the
register's own assessment, else taken at the lowest tax the evidence allows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gisrev.config import Thresholds
from gisrev.load.normalise import CODE_SEPARATORS, thai_to_arabic_digits
from gisrev.tax import get_regime
from gisrev.tax.buildings import building_values
from gisrev.vocab import FINDING_CODES
from gisrev.years import be

SUBCASES = ("residential-primary", "residential-primary-building", "residential-other")
_BUILDING_CATEGORY = {
    "residential": "residential", "commercial": "other", "industrial": "other",
    "agriculture": "agriculture",
}


def normalise_codes(codes: pd.Series) -> pd.Series:
    """Vectorised :func:`gisrev.load.normalise.normalise_parcel_code`: the loader's own rule."""
    text = codes.astype(str).str.upper().str.replace(CODE_SEPARATORS, "", regex=True)
    return text.map(thai_to_arabic_digits)


def residential_use(exemption: pd.Series) -> pd.Series:
    """Return the residential sub-case a register row claims through its exemption (baht).

    A blank exemption reads as none claimed here; :func:`ground_truth` never asks for one.
    """
    ex = exemption.fillna(0.0).to_numpy()
    use = np.where(
        ex >= 50_000_000, "residential-primary",
        np.where(ex >= 10_000_000, "residential-primary-building", "residential-other"),
    )
    return pd.Series(use, index=exemption.index)


def evidence(parcels: pd.DataFrame, buildings: pd.DataFrame, tax_year: int) -> pd.DataFrame:
    """Work out what the map says about each parcel in one tax year.

    Parameters
    ----------
    parcels
        ``mapped_sqwah``, ``price`` (own price, else the zone's), ``observed`` (a use category
        or None), on the parcel index.
    buildings
        ``parcel`` (parcel index it stands on), ``footprint_m2``, ``floors``, ``building_type``,
        ``structure``, ``year_built`` (CE), ``value`` (NaN when estimated), ``use``.
    tax_year
        CE year; a building's age is ``tax_year - year_built``.

    Returns
    -------
    pandas.DataFrame
        On the parcel index: ``land_value``, ``building_value``, ``n_buildings``, ``category``
        (None when there is no evidence) and ``shares`` (use category -> floor-area share,
        for ``mixed``).
    """
    out = pd.DataFrame(index=parcels.index)
    out["land_value"] = parcels["mapped_sqwah"] * parcels["price"]
    b = buildings
    floor_area = b["footprint_m2"] * b["floors"].fillna(1)
    estimated = building_values(
        pd.DataFrame(
            {
                "floor_area_m2": floor_area,
                "building_type": b["building_type"],
                "structure": b["structure"],
                "age_years": tax_year - b["year_built"],
            },
            index=b.index,
        )
    )
    value = b["value"].where(b["value"].notna(), estimated)
    out["building_value"] = value.groupby(b["parcel"]).sum().reindex(out.index, fill_value=0.0)
    out["n_buildings"] = b.groupby("parcel").size().reindex(out.index, fill_value=0)

    cat = b["use"].map(_BUILDING_CATEGORY)
    area = floor_area.groupby([b["parcel"], cat]).sum()
    share = area / area.groupby(level=0).transform("sum")
    n_cats = share.groupby(level=0).size()
    single = share[n_cats.reindex(share.index.get_level_values(0)).to_numpy() == 1]
    category = pd.Series(None, index=out.index, dtype=object)
    category.loc[single.index.get_level_values(0)] = single.index.get_level_values(1)
    shares_list: list[dict[str, float] | None] = [None] * len(out)
    multi = share[n_cats.reindex(share.index.get_level_values(0)).to_numpy() > 1]
    if len(multi):
        wide = multi.unstack()  # one row per mixed parcel, one column per category
        category.loc[wide.index] = "mixed"
        positions = out.index.get_indexer(wide.index)
        for pos, record in zip(positions, wide.to_dict("records"), strict=True):
            shares_list[pos] = {str(k): float(v) for k, v in record.items() if v == v}
    no_building = out["n_buildings"] == 0
    category[no_building] = parcels.loc[no_building, "observed"]
    out["category"] = category
    out["shares"] = pd.Series(shares_list, index=out.index, dtype=object)
    return out


def tax_of(
    tax_year: int,
    category: pd.Series,
    residential: pd.Series,
    land_value: pd.Series,
    building_value: pd.Series,
    owner_type: pd.Series,
    shares: pd.Series,
) -> pd.Series:
    """Tax through the engine for rows given as a use *category* plus the residential sub-case."""
    use = category.where(category != "residential", residential)
    parts_list: list[dict[str, float] | None] = [None] * len(category)
    subs, share_dicts = residential.to_numpy(), shares.to_numpy()
    for i in np.flatnonzero((category == "mixed").to_numpy()):
        parts_list[i] = {
            (subs[i] if k == "residential" else k): v for k, v in share_dicts[i].items()
        }
    parts = pd.Series(parts_list, index=category.index, dtype=object)
    frame = pd.DataFrame(
        {
            "tax_year": tax_year,
            "use": use,
            "land_value": land_value.fillna(0.0),
            "building_value": building_value.fillna(0.0),
            "owner_type": owner_type.fillna("individual"),
            "vacant_years": 0,
            "parts": parts,
        },
        index=category.index,
    )
    return get_regime("thai").compute_many(frame)


def _over(diff: pd.Series, base: pd.Series, min_baht: float, share: float) -> pd.Series:
    # NaN on either side (an input the register does not give) is never over.
    return (diff > np.maximum(min_baht, share * base)).fillna(False).astype(bool)


def _match(parcels: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """Return the register rows with ``parcel``, the row of the parcel each matches (or NaN).

    Exact code, else normalised code, else a deed number that is unique on the map.
    """
    by_code = pd.Series(parcels.index, index=parcels["parcel_code"])
    by_norm = pd.Series(parcels.index, index=normalise_codes(parcels["parcel_code"]))
    deeds = parcels["deed_no"].dropna()
    deeds = deeds[~deeds.duplicated(keep=False)]
    by_deed = pd.Series(deeds.index, index=deeds.to_numpy())
    reg = register.reset_index(drop=True)
    match = reg["parcel_code"].map(by_code)
    match = match.fillna(normalise_codes(reg["parcel_code"]).map(by_norm))
    match = match.fillna(reg["deed_no"].map(by_deed))
    reg["parcel"] = match
    return reg


def _orphan_truth(orphans: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """Return the findings of register rows whose parcel is not on the map."""
    assessed, paid = orphans["tax_assessed"], orphans["tax_paid"]
    arrears = _over(assessed - paid, assessed, th.arrears_min_baht, th.arrears_min_share)
    return pd.DataFrame(
        {
            "parcel_code": orphans["parcel_code"],
            "account_id": orphans["account_id"],
            "flags": np.where(arrears, "ARREARS;ORPHAN_RECORD", "ORPHAN_RECORD"),
            "expected_tax": np.nan,
            "tax_assessed": assessed,
            "tax_paid": paid,
            "gap": np.nan,
            "assumed": "",
            "declared_use": orphans["declared_use"],
            "declared_area_sqwah": orphans["declared_area_sqwah"],
            "n_register_rows": 1,
        }
    )


def declared_category(declared_use: pd.Series) -> pd.Series:
    """Return the use category of a declared use: a named residential sub-case is residential."""
    return declared_use.where(~declared_use.isin(SUBCASES), "residential")


def _subcase_by_assessment(
    tax_year: int, rows: pd.DataFrame, ev: pd.DataFrame, owner: pd.Series
) -> pd.Series:
    """Return the sub-case whose tax the assessment fits, per row of ``rows`` (None: none fits).

    Each sub-case the owner allows (a juristic owner has no primary residence) is taxed on the
    register's land and building values where given, else the map's; it fits when within
    max(1 baht, 1 %) of the assessed tax. Ties: the lowest tax, then the order of SUBCASES.
    """
    idx = rows.index
    category = declared_category(rows["declared_use"])
    land = rows["land_value"].fillna(ev.loc[idx, "land_value"])
    building = rows["building_value"].fillna(ev.loc[idx, "building_value"])
    # A declared mixed use on parcels the map does not split: half residential, half other.
    shares = ev.loc[idx, "shares"].map(
        lambda s: s if isinstance(s, dict) else {"residential": 0.5, "other": 0.5}
    )
    assessed = rows["tax_assessed"]
    best = pd.Series(None, index=idx, dtype=object)
    best_tax = pd.Series(np.inf, index=idx)
    for sub in SUBCASES:
        tax = tax_of(tax_year, category, pd.Series(sub, index=idx), land, building, owner[idx],
                     shares).round(2)
        allowed = (owner[idx] != "juristic") | (sub == "residential-other")
        fits = allowed & ((tax - assessed).abs() <= np.maximum(1.0, 0.01 * assessed))
        better = fits & (tax < best_tax)
        best[better] = sub
        best_tax[better] = tax[better]
    return best


def residential_subcases(
    tax_year: int, first: pd.DataFrame, registered: pd.Series, ev: pd.DataFrame,
    owner: pd.Series,
) -> tuple[pd.Series, pd.Series]:
    """Return each parcel's residential sub-case and where it comes from.

    In order: the sub-case the register names (``declared``), the exemption it gives
    (``exemption``), the sub-case its assessment fits (``assessed``), else the lowest tax the
    evidence allows, a primary residence unless the owner is juristic (``lowest``).
    Unregistered parcels: a primary residence, source None.
    """
    lowest = np.where(owner == "juristic", "residential-other", "residential-primary")
    sub = pd.Series(np.where(registered, lowest, "residential-primary"), index=first.index,
                    dtype=object)
    source = pd.Series("lowest", index=first.index, dtype=object).where(registered, None)
    exemption = registered & first["exemption"].notna()
    sub[exemption] = residential_use(first["exemption"])[exemption]
    source[exemption] = "exemption"
    named = registered & first["declared_use"].isin(SUBCASES)
    sub[named] = first["declared_use"][named]
    source[named] = "declared"
    ask = ((source == "lowest") & first["tax_assessed"].notna()
           & declared_category(first["declared_use"]).isin(["residential", "mixed"]))
    if ask.any():
        fitted = _subcase_by_assessment(tax_year, first[ask], ev, owner).dropna()
        sub[fitted.index] = fitted
        source[fitted.index] = "assessed"
    return sub, source


def _flags(first: pd.DataFrame, registered: pd.Series, n_rows: pd.Series, ev: pd.DataFrame,
           taxes: pd.DataFrame, th: Thresholds, mapped: pd.Series) -> pd.Series:
    """Return each parcel's finding codes, ';'-joined in DESIGN.md's order."""
    expected, declared_tax, differs = taxes["expected"], taxes["declared"], taxes["differs"]
    assessed, paid = first["tax_assessed"], first["tax_paid"]
    area = first["declared_area_sqwah"]
    flags = {
        "UNREGISTERED": ~registered,
        "UNDERPAID": registered & _over(expected - assessed, expected, th.underpaid_min_baht,
                                        th.underpaid_min_share),
        "USE_MISMATCH": differs & _over((expected - declared_tax).abs(), expected,
                                        th.underpaid_min_baht, th.underpaid_min_share),
        "AREA_MISMATCH": registered
        & ((area - mapped).abs() > th.area_tolerance * mapped).fillna(False).astype(bool),
        # Only a declared building value of 0: a blank or absent one declares nothing.
        "UNDECLARED_BUILDING": registered & (ev["n_buildings"] > 0)
        & (first["building_value"] == 0),
        "ARREARS": registered & _over(assessed - paid, assessed, th.arrears_min_baht,
                                      th.arrears_min_share),
        "DUPLICATE_RECORD": n_rows > 1,
    }
    joined = pd.Series("", index=first.index)
    for code in FINDING_CODES:
        if code in flags:
            joined = joined.where(~flags[code], joined + ";" + code)
    return joined.str.lstrip(";")


def _taxes(tax_year: int, first: pd.DataFrame, registered: pd.Series, ev: pd.DataFrame,
           owner: pd.Series) -> pd.DataFrame:
    """Return per parcel the expected tax, the tax on the declared use, and the assumptions."""
    declared = declared_category(first["declared_use"])
    category = ev["category"].where(ev["category"].notna(), declared)
    sub, source = residential_subcases(tax_year, first, registered, ev, owner)
    expected = tax_of(tax_year, category, sub, ev["land_value"], ev["building_value"], owner,
                      ev["shares"])
    declared_tax = pd.Series(np.nan, index=first.index)
    differs = registered & declared.notna() & (category != declared) & (declared != "mixed")
    if differs.any():
        idx = differs[differs].index
        declared_tax.loc[idx] = tax_of(
            tax_year, declared.loc[idx], sub.loc[idx], ev.loc[idx, "land_value"],
            ev.loc[idx, "building_value"], owner.loc[idx], ev.loc[idx, "shares"],
        )
    residential = category.isin(["residential", "mixed"]) | declared.isin(["residential", "mixed"])
    assumed_exemption = source.isin(["lowest", "assessed"]) & residential
    assumed_owner = registered & first["owner_type"].isna()
    assumed = (np.where(assumed_exemption, "exemption;", "")
               + np.where(assumed_owner, "owner_type", ""))
    return pd.DataFrame({"expected": expected, "declared": declared_tax, "differs": differs,
                         "category": category, "declared_category": declared,
                         "assumed": pd.Series(assumed, index=first.index).str.rstrip(";")})


def ground_truth(
    parcels: pd.DataFrame,
    buildings: pd.DataFrame,
    register: pd.DataFrame,
    tax_year: int,
    *,
    thresholds: Thresholds | None = None,
) -> pd.DataFrame:
    """Apply the analysis rules to one tax year.

    Parameters
    ----------
    parcels
        As for :func:`evidence`, plus ``parcel_code`` and ``deed_no``.
    buildings
        As for :func:`evidence`.
    register
        Canonical register rows of this year, in file order: ``parcel_code``, ``deed_no``,
        ``account_id``, ``owner_type``, ``declared_use`` (a category or a residential
        sub-case), ``declared_area_sqwah``, ``land_value``, ``building_value``, ``exemption``,
        ``tax_assessed``, ``tax_paid``; NaN (or None) where the register does not give it.
    tax_year
        CE year.
    thresholds
        When a difference becomes a finding (default: DESIGN.md's).

    Returns
    -------
    pandas.DataFrame
        One row per parcel and one per orphan register row: ``parcel_code``, ``account_id``,
        ``flags`` (';'-joined, DESIGN.md order), ``expected_tax``, ``tax_assessed``,
        ``tax_paid``, ``gap``, ``assumed`` (the register inputs taken at their lowest
        reading, ';'-joined) and the evidence behind them.
    """
    th = thresholds or Thresholds()
    ev = evidence(parcels, buildings, tax_year)
    reg = _match(parcels, register)
    matched = reg[reg["parcel"].notna()].astype({"parcel": "int64"})
    n_rows = matched.groupby("parcel").size().reindex(parcels.index, fill_value=0)
    first = matched.drop_duplicates("parcel").set_index("parcel").reindex(parcels.index)
    registered = n_rows > 0
    # Owner type unknown: an individual, the lower tax.
    owner = first["owner_type"].where(registered, "individual").fillna("individual")
    taxes = _taxes(tax_year, first, registered, ev, owner)
    expected = taxes["expected"]
    mapped = parcels["mapped_sqwah"]
    # Not collected: expected less paid; paid unknown, the assessed tax counts as paid;
    # neither known, the gap is unknown.
    paid = first["tax_paid"].fillna(first["tax_assessed"])
    gap = np.maximum(expected - paid, 0.0).where(paid.notna()).where(registered, expected)
    result = pd.DataFrame(
        {
            "parcel_code": parcels["parcel_code"],
            "account_id": first["account_id"],
            "flags": _flags(first, registered, n_rows, ev, taxes, th, mapped),
            "expected_tax": expected.round(2),
            "tax_assessed": first["tax_assessed"],
            "tax_paid": first["tax_paid"],
            "gap": gap.round(2),
            "assumed": taxes["assumed"],
            "declared_use": first["declared_use"],
            "evidence_use": taxes["category"],
            "mapped_area_sqwah": mapped.round(2),
            "declared_area_sqwah": first["declared_area_sqwah"],
            "land_value": ev["land_value"].round(2),
            "building_value": ev["building_value"].round(2),
            "n_buildings": ev["n_buildings"],
            "n_register_rows": n_rows,
        }
    )
    orphans = reg[reg["parcel"].isna()]
    if len(orphans):
        result = pd.concat([result, _orphan_truth(orphans, th)], ignore_index=True)
    result = result.astype({"n_buildings": "Int64", "n_register_rows": "Int64"})
    result.insert(0, "tax_year_be", be(tax_year))
    result.insert(0, "tax_year", tax_year)
    return result.reset_index(drop=True)
