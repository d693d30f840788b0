"""What text may hold: why a character is refused."""

MESSAGES: dict[str, tuple[str, str]] = {
    "char": ("{code}（{name}）", "{code} ({name})"),
    "byte": ("字节 {byte}（不是 UTF-8）", "byte {byte} (not UTF-8)"),
    "surrogate": ("孤立的代理码位", "a lone surrogate"),
    "control": ("控制字符", "a control character"),
    "bidi": ("双向控制字符", "a bidirectional control character"),
    "invisible": ("不可见字符", "an invisible character"),
    "noncharacter": ("非字符码位", "a noncharacter"),
    "refused": ("含有 {what}；不接受控制字符、双向覆盖字符和不可见字符",
                "contains {what}; control, bidirectional-override and invisible characters are not accepted"),
    "refused_at": ("第 {at} 个字符是 {what}；不接受控制字符、双向覆盖字符和不可见字符",
                   "contains {what} at character {at}; control, bidirectional-override and invisible characters are not accepted"),
    "field_refused": ("{field}：{why}", "{field} {why}"),
}
