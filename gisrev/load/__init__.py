"""Loading municipal data into PostGIS: vector layers, the tax register, the mapping file.

>>> from gisrev.load import load_vector, load_register, LoadReport, read_mapping
"""

from gisrev.load.mapping import ColumnMapping, read_mapping
from gisrev.load.register import load_register
from gisrev.load.report import LoadReport, Reject
from gisrev.load.vector import load_vector

__all__ = ["ColumnMapping", "LoadReport", "Reject", "load_register", "load_vector", "read_mapping"]
