"""The weekly report, its charts, and the words of the printable exports (HTML, XLSX sheet names)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # the weekly report's head
    "plan": ("《{title}》（{doc_no}）", "{title} ({doc_no})"),
    "plan_untitled": ("《{title}》", "{title}"),
    "title": ("{plan}落实情况周报", "{plan}: weekly progress report"),
    "period": ("统计期间：{first} 至 {last}（{days}天）", "Period: {first} to {last} ({days} days)"),
    "period_one_day": ("统计日期：{last}", "Period: {last}"),
    "previous_at": ("上期数据截至 {day}", "Week before: as of {day}"),
    "generated": ("生成时间：{at}（{zone}）", "Generated {at} ({zone})"),
    "none": ("无", "None"),
    # the overall table
    "overall": ("总体情况", "Overall"),
    "metric": ("指标", "Measure"),
    "now": ("本期", "Now"),
    "previous": ("上期", "Week before"),
    "change": ("变化", "Change"),
    "completion": ("事项完成率", "Items completed"),
    "parts_completion": ("分工完成率", "Parts completed"),
    "points": ("{n:+.1f} 个百分点", "{n:+.1f} pts"),
    "no_change": ("持平", "0"),
    # by agency
    "agencies": ("各单位情况", "By agency"),
    "reported": ("本期报送", "Reported this period"),
    "yes": ("是（{n}条）", "yes ({n})"),
    "no": ("否", "no"),
    # what changed
    "updates": ("本期更新（{n}条）", "Updates in the period ({n})"),
    "completed_parts": ("本期完成的分工（{n}项）", "Parts completed in the period ({n})"),
    "pending_claims": ("待审核的销号申请（{n}项）", "Completion claims awaiting review ({n})"),
    "completed_items": ("本期全部完成的事项（{n}项）", "Items completed in full in the period ({n})"),
    "became_overdue": ("本期新增逾期（{n}项）", "Became overdue in the period ({n})"),
    "done_on": ("完成日期", "Completed"),
    "role": ("角色", "Role"),
    "lead": ("牵头", "lead"),
    "co": ("配合", "co"),
    # charts
    "charts": ("图表", "Charts"),
    "trend_title": ("完成情况走势（{first} 至 {last}，按{unit}）", "Completion over the plan's life ({first} to {last}, by {unit})"),
    "unit_month": ("月", "month"),
    "unit_week": ("周", "week"),
    "trend_items": ("事项完成率", "items completed"),
    "trend_parts": ("分工完成率", "parts completed"),
    "trend_desc": ("截至 {day}：{items_done}/{items} 项事项全部完成，{parts_done}/{parts} 项分工完成",
                   "As of {day}: {items_done} of {items} items completed in full, {parts_done} of {parts} parts done"),
    "target_chart": ("{code} {name}（{unit}）", "{code} {name} ({unit})"),
    "target_chart_desc": ("{status}：最新值 {latest}，期限 {deadline} 时预计 {projected}，目标 {target}",
                          "{status}: latest {latest}, projected {projected} at the deadline {deadline}, target {target}"),
    "overdue_chart": ("各单位逾期分工数（截至 {day}）", "Overdue parts by agency (as of {day})"),
    "overdue_chart_none": ("截至 {day} 无逾期分工。", "No part is overdue as of {day}."),
    # xlsx sheet names (Excel: at most 31 characters, none of []:*?/\)
    "sheet_overdue": ("逾期事项", "overdue"),
    "sheet_status": ("各单位进展", "status"),
    "sheet_items": ("事项清单", "items"),
    "sheet_history": ("更新记录", "history"),
    "chart_more": ("另有 {n} 个单位共 {parts} 项逾期分工未画出", "{n} more agencies with {parts} overdue parts not drawn"),
    # printing
    "page_footer": ("第 &P 页，共 &N 页", "Page &P of &N"),
    # errors
    "bad_format": ("--format 只能是 md 或 html，不能是“{fmt}”", "--format must be md or html, not {fmt!r}"),
    "unknown_extension": ("无法从文件名“{name}”看出格式：请用 .md 或 .html 结尾，或给出 --format",
                          "cannot tell the format from the file name {name!r}: end it in .md or .html, or give --format"),
}
