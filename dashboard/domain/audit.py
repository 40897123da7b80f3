"""What the audit log records: the actions the app writes (dashboard.services.auth, intake,
incident_actions) and the kinds of thing they act on. Pure: used to offer filter choices and to
check that every action has a name on screen."""
from __future__ import annotations

from . import workflow

SIGN_IN_ACTIONS = ("sign_in", "sign_in_failed", "sign_in_throttled", "sign_out")
USER_ACTIONS = ("user_add", "user_disable", "user_enable", "user_reset_password")
TOKEN_ACTIONS = ("api_token_create", "api_token_revoke", "kiosk_token_create", "kiosk_token_revoke")
INCIDENT_ACTIONS = ("incident_report", *(f"incident_{a}" for a in workflow.ACTIONS))
OPEN_DATA_ACTIONS = ("open311_token_create", "open311_token_revoke", "webhook_add", "webhook_delete")

CITY_ACTIONS = ("city_import",)   # a city package imported (dashboard.services.city_import)
# a user the package brought in sets their own password at first sign-in (dashboard.services.first_sign_in)
CITY_ACTIONS += ("user_set_own_password",)

ACTIONS = SIGN_IN_ACTIONS + USER_ACTIONS + TOKEN_ACTIONS + INCIDENT_ACTIONS + OPEN_DATA_ACTIONS + CITY_ACTIONS
TARGET_TYPES = ("incident", "user", "token", "webhook", "city")
