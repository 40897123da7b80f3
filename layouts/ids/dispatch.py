"""Ids of the Dispatch page ("/dispatch"). Prefix "disp".

Pattern-matching ids are dicts whose "type" is one of the *_TYPE names below; the server reads the
page from the prefix of "type" like any other id."""
PREFIX = "disp"

PAGE = "disp-page"
CONFIG = "disp-config"            # Store: {lang, tz, user, role, labels} for the client-side code
RELOAD = "disp-reload"            # Store (int): bump to reload the queue and reconnect (first load, reset)
HELP = "disp-help"

# filters (server-side: they are the query of the queue)
F_STATUS = "disp-f-status"
F_CATEGORY = "disp-f-category"
F_DISTRICT = "disp-f-district"
F_DEPARTMENT = "disp-f-department"
F_PRIORITY = "disp-f-priority"
F_SOURCE = "disp-f-source"
F_OVERDUE = "disp-f-overdue"
F_TEXT = "disp-f-text"
F_CLEAR = "disp-f-clear"
FILTERS = (F_STATUS, F_CATEGORY, F_DISTRICT, F_DEPARTMENT, F_PRIORITY, F_SOURCE, F_OVERDUE, F_TEXT)

# saved views (per user, in the browser's localStorage)
VIEWS = "disp-views"              # Store (local): {username: [{name, filters}]}
VIEW_PICK = "disp-view-pick"
VIEW_NAME = "disp-view-name"
VIEW_SAVE = "disp-view-save"
VIEW_DELETE = "disp-view-delete"
# record a phoned-in case (layouts/dispatch_phone.py)
PHONE = "disp-phone"
PHONE_OPEN = "disp-phone-open"
PHONE_CANCEL = "disp-phone-cancel"
PHONE_SUBMIT = "disp-phone-submit"
PHONE_RESULT = "disp-phone-result"
PHONE_ERROR = "disp-phone-error"
PHONE_CATEGORY = "disp-phone-category"
PHONE_PRIORITY = "disp-phone-priority"
PHONE_TITLE = "disp-phone-title"
PHONE_DESCRIPTION = "disp-phone-description"
PHONE_DISTRICT = "disp-phone-district"
PHONE_ADDRESS = "disp-phone-address"
PHONE_NAME = "disp-phone-name"
PHONE_NUMBER = "disp-phone-number"
REMEMBER = "disp-remember"        # Store: the view and filters in force, also written to a cookie for the next load

# the queue
GRID = "disp-grid"
ROWS = "disp-rows"                # Store: {id: version} of the rows the grid holds now
TX = "disp-tx"                    # Store: a row transaction from the server with the filters it was made for;
                                  # the page applies what still fits the rows the grid holds (dispatch-live.js)
TOTAL = "disp-total"
CHANGED = "disp-changed"          # Store: {ids, versions, n}: incidents the live stream or an action touched
QUEUE_ERROR = "disp-queue-error"

# bulk dispatch
BULK = "disp-bulk"
BULK_COUNT = "disp-bulk-count"
BULK_DEPARTMENT = "disp-bulk-department"
BULK_DEADLINE = "disp-bulk-deadline"
BULK_SUBMIT = "disp-bulk-submit"
BULK_CLEAR = "disp-bulk-clear"
BULK_RESULT = "disp-bulk-result"
BULK_DISMISS = "disp-bulk-dismiss"

# the detail of the incident in hand
CURRENT = "disp-current"          # Store: {id}: the incident opened (row click, arrow keys, j/k)
VIEWING = "disp-viewing"          # Store: {id, version, code}: what the detail shows; actions send this version
REFRESH = "disp-refresh"          # Store (int): bump to reload the detail
DETAIL = "disp-detail"
BACK = "disp-back"
NOTICE = "disp-notice"            # operators: "just dispatched to your department" (assets/dispatch-live.js)                # phones: close the case, back to the queue
DETAIL_EMPTY = "disp-detail-empty"
DETAIL_HEAD = "disp-detail-head"
STALE = "disp-stale"              # banner: the incident changed since the detail was loaded
STALE_TEXT = "disp-stale-text"
STALE_RELOAD = "disp-stale-reload"
ACTIONS = "disp-actions"
FEEDBACK = "disp-feedback"
MAP = "disp-map"
MAP_DISTRICTS = "disp-map-districts"
MAP_MARKER = "disp-map-marker"
RECORD = "disp-record"
RELATED = "disp-related"
TIMELINE = "disp-timeline"

# pattern-matching types (dict ids)
QUICK_TYPE = "disp-quick"         # {"type", "action"}: an action that needs no input, done at once
OPEN_TYPE = "disp-open"           # {"type", "action"}: opens the action's form
FORM_TYPE = "disp-form"           # {"type", "action"}
SUBMIT_TYPE = "disp-submit"       # {"type", "action"}
CANCEL_TYPE = "disp-cancel"       # {"type", "action"}
FIELD_TYPE = "disp-field"         # {"type", "action", "name"}: one input of an action's form
MERGE_TYPE = "disp-merge"         # {"type", "into"}: merge the incident in hand into a likely duplicate

TIME_LEFT = "disp-time-left"      # the detail's time left, kept current client-side
TICK = "disp-tick"                # Interval: time left in the detail and the grid
