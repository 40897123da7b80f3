"""Strings of the geography (issue 15): the unit grid, areas by code."""
STRINGS = {
    "disp.rec.grid_cell": ("单元网格", "Grid cell"),
    "geo.grid_cell": ("单元网格", "Grid cell"),
    "rev.breakdown.grid_cell": ("按单元网格", "By grid cell"),
    "geo.alert_districts": ("涉及区域", "Districts"),
}
