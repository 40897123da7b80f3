"""Ids of the Operations page ("/"). Prefix "ops"."""
PREFIX = "ops"

PAGE = "ops-page"
CONFIG = "ops-config"            # Store: {lang, tz, labels, palette} for client-side rendering
MAP = "ops-map"
LAYERS = "ops-layers"
DISTRICTS = "ops-districts"
SEGMENTS = "ops-segments"
STATIONS = "ops-stations"
INCIDENTS = "ops-incidents"
ALERTS = "ops-alerts"
LEGEND = "ops-legend"

RELOAD = "ops-reload"            # Store (int): bump to reload the snapshot (first load, reset, gap)
FIGURES = "ops-figures"          # Store: the key figures (snapshot, then "figures" messages)
EVENTS = "ops-events"            # Store: newest events
FEEDS = "ops-feeds"              # Store: feed health items

FIG_OPEN = "ops-fig-open"
FIG_NEW = "ops-fig-new"
FIG_OVERDUE = "ops-fig-overdue"
FIG_CLOSED = "ops-fig-closed"
FIG_CI = "ops-fig-ci"
FIG_CI_LEVEL = "ops-fig-ci-level"
FIG_AQI = "ops-fig-aqi"
FIG_AQI_LEVEL = "ops-fig-aqi-level"
FIG_AQI_PRIMARY = "ops-fig-aqi-primary"
FIG_ALERTS = "ops-fig-alerts"
FIG_OVERDUE_TILE = "ops-tile-overdue"
FIG_ALERTS_TILE = "ops-tile-alerts"

EVENT_LIST = "ops-event-list"
FEED_LIST = "ops-feed-list"
