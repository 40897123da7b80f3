"""Ids of the Feeds page ("/feeds"). Prefix "feeds": admins and dispatchers."""
PREFIX = "feeds"

PAGE = "feeds-page"
CONFIG = "feeds-config"          # Store: {lang, tz, labels, palette} for client-side rendering
RELOAD = "feeds-reload"          # Store (int): bump to reload health (first load, live reset)
HEALTH = "feeds-health"          # Store: {"items": the health report's connectors, "at"}
FALLBACK = "feeds-fallback"      # Interval: re-reads health while the live connection is not live
SUMMARY = "feeds-summary"
CARDS = "feeds-cards"

DL_CONNECTOR = "feeds-dl-connector"   # Dropdown: which feed's dead letters
DL_VERSION = "feeds-dl-version"       # Store: dead letters counted in health; a change reloads the table
DL_COUNT = "feeds-dl-count"
DL_NOTE = "feeds-dl-note"
DL_GRID = "feeds-dl-grid"
DL_DETAIL = "feeds-dl-detail"
