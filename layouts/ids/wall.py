"""Ids of the video wall ("/wall"). Prefix "wall"."""
PREFIX = "wall"

PAGE = "wall-page"               # root; its className carries the scene ("scene-traffic") and states
CONFIG = "wall-config"           # Store: labels, palette, scenes, dwell, grid, city bounds, build, …

# the map and its layers (each in its own pane, so a scene shows or hides a layer with CSS)
MAP = "wall-map"
DISTRICTS = "wall-districts"
SEGMENTS = "wall-segments"
STATIONS = "wall-stations"
INCIDENTS = "wall-incidents"
ALERTS = "wall-alerts"
# what the layers show, kept current by the relay's deltas; copied to the layers at most once a
# second, and only while a scene shows them (drawing a layer is the costly part on a 4K wall)
SEGMENTS_DATA = "wall-segments-data"
STATIONS_DATA = "wall-stations-data"
INCIDENTS_DATA = "wall-incidents-data"
ALERTS_DATA = "wall-alerts-data"
SPOT = "wall-spot"               # GeoJSON: the severe event being highlighted (one feature at most)
SPOT_CARD = "wall-spot-card"     # what it is, in words, over the map
LEGEND = "wall-legend"

# data: the snapshot, then deltas from the push relay
RELOAD = "wall-reload"           # Store (int): bump to reload the snapshot
MODE = "wall-mode"               # Store: "push" (the relay) or "poll" (?live=poll, a plain polling wall)
FIGURES = "wall-figures"
EVENTS = "wall-events"
FEEDS = "wall-feeds"
HOURLY = "wall-hourly"           # Store: new incidents per hour of today, from the snapshot
POLL = "wall-poll"               # Interval: reloads the snapshot while the relay is down (or always, ?live=poll)
HEARTBEAT = "wall-heartbeat"     # Interval: feed health and the build id, slowly
BEAT = "wall-beat"               # Store: the heartbeat's answer {build, feeds}
ACCESS = "wall-access"           # Store: when the kiosk link (or session) was last checked still valid

# top bar
CITY = "wall-city"
SCENE_NAME = "wall-scene-name"
SCENE_DOTS = "wall-scene-dots"
CLOCK = "wall-clock"
DATE = "wall-date"
LIVE = "wall-live"               # discreet: only says something when the relay is lost

# panels
FIGURE_TILES = "wall-figure-tiles"
TREND_HOURLY = "wall-trend-hourly"
TREND_CI = "wall-trend-ci"
TREND_AQI = "wall-trend-aqi"
TOP_ROADS = "wall-top-roads"
TOP_STATIONS = "wall-top-stations"
ALERT_LIST = "wall-alert-list"
URGENT_LIST = "wall-urgent-list"
STATUS_BARS = "wall-status-bars"
TICKER = "wall-ticker"
FEED_STRIP = "wall-feed-strip"
