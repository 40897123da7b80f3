"""Ids of the Audit log page ("/admin/audit"). Prefix "audit": admins only."""
PREFIX = "audit"

PAGE = "audit-page"
ACTOR = "audit-actor"
ACTION = "audit-action"
TARGET_TYPE = "audit-target-type"
TARGET_ID = "audit-target-id"
DATES = "audit-dates"            # DatePickerRange (city days, both ends included)
CLEAR = "audit-clear"
REFRESH = "audit-refresh"
OFFSET = "audit-offset"          # Store (int): first entry of the page shown
PREV = "audit-prev"
NEXT = "audit-next"
RANGE = "audit-range"            # "1–50 of 1,234"
ERROR = "audit-error"
GRID = "audit-grid"
