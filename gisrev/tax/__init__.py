"""Tax regimes: what a property should pay, step by step.

>>> from gisrev.tax import Property, get_regime
>>> get_regime("thai").compute(Property(2021, "residential-other", 8_000_000.0)).tax
160.0
"""

from gisrev.tax.regime import Property, Regime, Step, TaxResult, get_regime

__all__ = ["Property", "Regime", "Step", "TaxResult", "get_regime"]
