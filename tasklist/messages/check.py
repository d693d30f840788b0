"""What `db check` finds."""

MESSAGES: dict[str, tuple[str, str]] = {
    "integrity": ("完整性：{what}", "integrity: {what}"),
    "foreign_key": ("外键：{table} 表第 {row} 行指向不存在的 {parent}", "foreign key: {table} row {row} points at a missing {parent}"),
    "orphans": ("{count} 条状态更新不属于任何责任", "{count} status updates belong to no assignment"),
    "shrunk": ("历史记录变少了：{table} 表现有 {present} 行，曾记录 {recorded} 行",
               "history has shrunk: {table} holds {present} rows, {recorded} were recorded"),
    "unguarded": ("历史记录失去保护：触发器 {name} 缺失或被停用", "history is unguarded: trigger {name} is missing or disabled"),
    "not_utf8": ("文本：{table} 表第 {row} 行的 {column} 不是 UTF-8 文本（损坏处显示为 U+FFFD）",
                 "text: {table} row {row} {column} is not UTF-8 text (shown with U+FFFD where it breaks)"),
}
MESSAGES.update({
    "table_plan": ("方案", "plan"), "table_agency": ("单位", "agency"), "table_item": ("事项", "item"),
    "table_assignment": ("责任分工", "assignment"), "table_status_update": ("进展报送", "status_update"),
    "table_extension": ("延期", "extension"),
})
