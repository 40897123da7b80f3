"""Strings of hardening (issue 17): audit actions it adds."""
STRINGS = {
    "audit.action.refused": ("拒绝的操作", "Refused"),
    "audit.action.user_set_role": ("变更用户角色", "User role changed"),
}
