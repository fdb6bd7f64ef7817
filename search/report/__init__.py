"""Reports of finished or running searches: tables, JSON/CSV, and PNG plots."""

from nasc.search.report.curves import best_so_far, pareto_front
from nasc.search.report.table import sort_key, to_csv, to_json, trials_table

__all__ = ["best_so_far", "pareto_front", "sort_key", "to_csv", "to_json", "trials_table"]
