"""Ids of the phone pages ("/field"). Prefix "field": inspectors and department crews.
The page is drawn by assets/field.js from the field API; Dash only delivers its frame."""
PREFIX = "field"

ROOT = "field-root"          # data-lang, data-role, data-labels (the fld.* strings as JSON)
STATUS = "field-status"      # online / offline, what is still waiting
TABS = "field-tabs"
MAIN = "field-main"
