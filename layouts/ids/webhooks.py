"""Ids of the Webhooks page ("/admin/webhooks"). Prefix "hooks": admins only."""
PREFIX = "hooks"

PAGE = "hooks-page"
REFRESH = "hooks-refresh"
GRID = "hooks-grid"              # the registered webhooks; selecting one shows its deliveries
DELIVERIES = "hooks-deliveries"  # the chosen webhook's newest deliveries
CHOSEN = "hooks-chosen"          # "Deliveries of …" heading
