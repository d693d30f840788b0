"""Errors and their hints: one line that says what is wrong and where, then what to do."""

MESSAGES: dict[str, tuple[str, str]] = {
    "registry_refused": ("登记册有误，共 {count} 处问题", "registry refused: {count} problem(s)"),
}
