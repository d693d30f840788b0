"""Command-line usage errors (what click finds before a command runs), worded like every other error."""

MESSAGES: dict[str, tuple[str, str]] = {
    "no_such_option": ("没有 {name} 这个选项", "no such option {name}"),
    "no_such_command": ("没有“{name}”这个命令", "no such command {name!r}"),
    "did_you_mean": ("；是否要输入：{names}？", "; did you mean {names}?"),
    "missing_argument": ("缺少参数 {name}", "missing argument {name}"),
    "missing_option": ("缺少选项 {name}", "missing option {name}"),
    "bad_value": ("{name} 的值有误：{why}", "invalid value for {name}: {why}"),
    "not_integer": ("“{value}”不是整数", "{value!r} is not a whole number"),
    "not_choice": ("“{value}”不在可选值 {choices} 之中", "{value!r} is not one of {choices}"),
    "extra": ("多余的参数：{args}", "unexpected extra arguments: {args}"),
    "needs_value": ("选项 {name} 后面需要一个值", "option {name} needs a value"),
    "help_hint": ("“{command} --help”列出可用的命令和选项", "`{command} --help` lists the commands and options"),
}
