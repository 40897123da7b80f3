"""Ids of the shared chrome (header, live connection). Prefix "hdr": any signed-in role."""
PREFIX = "hdr"

CONFIG = "hdr-config"            # Store: {lang, tz, labels} for client-side rendering
CLOCK = "hdr-clock"
CLOCK_TICK = "hdr-clock-tick"    # Interval driving the clock (client-side only)
NAV_LINK = "hdr-nav-link"        # pattern-matching type: {"type": NAV_LINK, "index": <path>}
LANG_LINK = "hdr-lang"           # + "-zh-CN" / "-en"

# The live connection to the push relay: one per tab, shared by whichever page is open.
WS = "hdr-ws"                    # dash_extensions WebSocket
LIVE_CFG = "hdr-live-cfg"        # Store set by a page's snapshot: {base, port, after, epoch, page}
LIVE = "hdr-live"                # Store: {last_id, status, attempt, epoch, page}
LIVE_BADGE = "hdr-live-badge"
# Pattern type of the Store on each live page that gets the socket's messages, {"type": BATCH,
# "page": <the page's prefix>}: a page's live callbacks take their Input from their own, so they run
# only while their page is shown (a callback whose outputs are missing would fail on other pages).
BATCH = "hdr-batch"
