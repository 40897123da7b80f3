"""Ids of the city reference page ("/reference"). Prefix "ref": admins and dispatchers (read-only)."""
PREFIX = "ref"

PAGE = "ref-page"
LOAD = "ref-load"                # Store: set by the page; its first load fills every section
SUMMARY = "ref-summary"          # the city in force: names, package version, counts
MAP = "ref-map"
DISTRICTS = "ref-districts"      # GeoJSON layer of the districts
DISTRICT_GRID = "ref-district-grid"
DEPARTMENT_GRID = "ref-department-grid"
TAXONOMY_SEARCH = "ref-taxonomy-search"
TAXONOMY_GRID = "ref-taxonomy-grid"
ROUTING_GRID = "ref-routing-grid"
CALENDAR = "ref-calendar"        # the years in force, official / estimated, with their notices
HISTORY_GRID = "ref-history-grid"
ERROR = "ref-error"

SECTIONS = ("districts", "departments", "taxonomy", "routing", "calendar", "history")


def section(name: str) -> str:
    return f"ref-section-{name}"
