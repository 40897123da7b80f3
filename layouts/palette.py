"""Colours that carry meaning (one source: the map functions, the legend and the figures use these)."""
from __future__ import annotations

# Congestion levels (dashboard.domain.congestion.LEVELS): green → red, as on Chinese traffic maps.
CONGESTION = {"free": "#30c46c", "light": "#a6d854", "moderate": "#f5c724", "heavy": "#f28c28",
              "severe": "#e5383b", "unknown": "#5d6b7e"}

# AQI levels (dashboard.domain.aqi.LEVELS): the colours HJ 633 prescribes for publication.
AQI = {"excellent": "#00e400", "good": "#ffff00", "light": "#ff7e00", "moderate": "#ff0000",
       "heavy": "#99004c", "severe": "#7e0023", "unknown": "#5d6b7e",
       # US EPA 2024 categories, when that standard is configured
       "epa_good": "#00e400", "epa_moderate": "#ffff00", "epa_usg": "#ff7e00", "epa_unhealthy": "#ff0000",
       "epa_very_unhealthy": "#8f3f97", "epa_hazardous": "#7e0023"}
AQI_TEXT = {"excellent": "#07210b", "good": "#2b2b00", "light": "#2b1500", "moderate": "#ffffff",
            "heavy": "#ffffff", "severe": "#ffffff", "unknown": "#ffffff",
            "epa_good": "#07210b", "epa_moderate": "#2b2b00", "epa_usg": "#2b1500", "epa_unhealthy": "#ffffff",
            "epa_very_unhealthy": "#ffffff", "epa_hazardous": "#ffffff"}

# Incident priorities 1 (urgent) … 4 (low).
PRIORITY = {"1": "#ff4d4f", "2": "#ff9f1a", "3": "#3ba4ff", "4": "#98a6b5"}

# CAP severities in the colours of China's warning signals (GB/T 27962): Extreme 红色, Severe 橙色,
# Moderate 黄色, Minor 蓝色 — a yellow (黄色) warning gets a yellow badge, not an orange one.
ALERT = {"Extreme": "#ff2d3a", "Severe": "#ff8c1a", "Moderate": "#f5c518", "Minor": "#3b8cff",
         "Unknown": "#98a6b5"}
# Text on those badges (dark on yellow, white elsewhere).
ALERT_TEXT = {"Extreme": "#ffffff", "Severe": "#ffffff", "Moderate": "#1a1400", "Minor": "#ffffff",
              "Unknown": "#0b121c"}

# Feed health states.
FEED = {"ok": "#30c46c", "degraded": "#f5c724", "stale": "#f28c28", "down": "#e5383b"}


def as_dict() -> dict:
    return {"congestion": CONGESTION, "aqi": AQI, "aqi_text": AQI_TEXT, "priority": PRIORITY,
            "alert": ALERT, "alert_text": ALERT_TEXT, "feed": FEED}
