"""Ids of the dispatching-by-itself settings page ("/admin/suggestions"). Prefix "sugadm": admins only."""
PREFIX = "sugadm"

PAGE = "sugadm-page"
TARGET = "sugadm-target"        # the target precision (radio: 95 %, 99 %, 99.5 %)
MODEL = "sugadm-model"          # which model the figures are of
TABLE = "sugadm-table"          # one row per category
SWITCH = "sugadm-switch"        # pattern-matching type: {"type": SWITCH, "index": category code}
STATUS = "sugadm-status"        # what the last change did (role=status)
CHANGED = "sugadm-changed"      # a store bumped after a change, so the table shows who changed what
IN_FORCE = "sugadm-in-force"    # the target in force (as opened, or as last saved): choosing it is no change
