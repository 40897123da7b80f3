"""The password page of a first sign-in (users a city package brought in with a temporary password)."""

# key → (zh-CN, en)
STRINGS: dict[str, tuple[str, str]] = {
    "pw.title": ("设置您自己的密码", "Set your own password"),
    "pw.intro": ("您使用的是临时密码。请先设置您自己的密码，之后才能使用系统。",
                 "You signed in with a temporary password. Set a password of your own before anything else."),
    "pw.user": ("用户：{username}", "User: {username}"),
    "pw.new": ("新密码", "New password"),
    "pw.repeat": ("再次输入新密码", "New password again"),
    "pw.hint": ("至少 {n} 个字符；不能与临时密码相同。", "At least {n} characters; not the temporary password."),
    "pw.submit": ("保存并进入", "Save and continue"),
    "pw.error.mismatch": ("两次输入的密码不一致", "The two passwords differ"),
    "pw.error.weak": ("密码太短：至少需要 {n} 个字符", "Too short: a password needs at least {n} characters"),
    "pw.error.same": ("新密码不能与临时密码相同", "The new password may not be the temporary one"),
    "pw.error.expired": ("此页面已过期，请重新用临时密码登录", "This page has expired: sign in with the temporary password again"),
    "audit.action.user_set_own_password": ("首次登录设置密码", "Own password set at first sign-in"),
}
