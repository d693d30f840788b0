"""The words of the terminal's tables (tasklist.output.terminal) and of `remind` / `reminders`.

English counts are written ``{n} {n:item|items}``: a count passed as :class:`Count` picks the
singular or the plural (Chinese needs neither).
"""


class Count(int):
    """A number in a message that English may need to agree with: ``{n:item|items}`` gives the
    singular for 1 and the plural otherwise; ``{n}`` gives the number."""

    def __format__(self, spec: str) -> str:
        if "|" in spec:
            one, many = spec.split("|", 1)
            return one if self == 1 else many
        return int.__format__(self, spec)


MESSAGES: dict[str, tuple[str, str]] = {
    # listings
    "more_rows": ("… 另有 {n} 行未显示（--all 显示全部）", "… {n} more {n:row|rows} (--all shows everything)"),
    "co_mark": ("配合", "co"),
    "agency_count": ("{agency}（{n}）", "{agency} ({n})"),
    "overdue_summary": ("截至 {as_of}：{items} 项逾期，涉及 {agencies} 个单位的 {assignments} 项责任",
                        "{items} {items:item|items} overdue, {assignments} overdue {assignments:assignment|assignments} "
                        "across {agencies} {agencies:agency|agencies} (as of {as_of})"),
    "unassigned_title": ("待交办事项（{n} 项，其中 {late} 项已过完成时间）",
                         "Items awaiting assignment: {n} ({late} past their due date)"),
    "unassigned_overdue_line": ("另有 {n} 项待交办事项已过完成时间，未计入任何单位（见 tasklist status）",
                                "Also {n} {n:item|items} awaiting assignment past the due date, no agency's (see tasklist status)"),
    "unassigned_agencies": ("待交办（尚无责任单位）", "unassigned (no agency yet)"),
    "unassigned_past_due": ("待交办（尚无责任单位），已过完成时间", "unassigned (no agency yet), past its due date"),
    # show
    "item_heading": ("{code}（{kind} {no}）", "{code}  ({kind} {no})"),
    "archived_mark": ("（已归档）", "  [archived]"),
    "extended_times": ("（已延期 {n} 次）", "  ({n} {n:extension|extensions})"),
    "ext_granted_on": ("批准日期", "Granted"),
    "ext_agency": ("单位", "Agency"),
    "ext_new_due": ("新完成时间", "New due"),
    "ext_reason": ("理由", "Reason"),
    "ext_approved_by": ("批准人", "Approved by"),
    "ext_recorded_by": ("记录人", "Recorded by"),
    "ext_all_agencies": ("全部单位", "all agencies"),
    # history
    "undoes": ("撤销 #{id}", "undoes #{id}"),
    "undoes_header": ("撤销的更新", "Undoes"),
    "recorded_for": ("{reported_by}（{recorded_by}）", "{reported_by} ({recorded_by})"),
    "source_cli": ("命令行", "command line"),
    "source_undo": ("撤销", "undo"),
    "source_import": ("导入：{file}", "import: {file}"),
    # weekly
    # agencies
    "kind_count": ("{kind}（{n}）", "{kind} ({n})"),
    # remind
    "remind_title": ("督办提醒（截至 {as_of}）", "Reminders (as of {as_of})"),
    "no_reminders": ("截至 {as_of} 无逾期事项，无需提醒。", "Nothing is overdue as of {as_of}: no reminders."),
    "remind_level": ("级别", "Level"),
    "remind_items": ("事项", "Items"),
    "remind_result": ("结果", "Result"),
    "remind_where": ("收件人或文件", "To / file"),
    "level_1": ("督办提醒", "reminder"),
    "level_2": ("催办", "urgent reminder"),
    "level_3": ("通报", "public notice"),
    "status_written": ("已写出", "written"),
    "status_sent": ("已发送", "sent"),
    "status_failed": ("失败", "failed"),
    "status_skipped": ("已跳过", "skipped"),
    "status_no_address": ("未设邮箱", "no address"),
    "remind_summary": ("共 {n} 封：{parts}", "{n} {n:message|messages}: {parts}"),
    "remind_part": ("{status} {n}", "{n} {status}"),
    "list_sep": ("、", ", "),
    # reminders (the log)
    "log_title": ("提醒记录", "Reminders sent"),
    "no_log": ("尚无提醒记录。", "No reminders sent yet."),
    "log_as_of": ("截至日期", "As of"),
    "log_sent_at": ("发送时间（{zone}）", "Sent ({zone})"),
    "log_to": ("收件人", "To"),
    "zone_china": ("北京时间", "Beijing time"),
    # audit actions
    "action_extend": ("延期", "extension"),
    "action_import": ("导入", "import"),
    "action_load": ("加载登记册", "registry load"),
    "action_remind": ("提醒", "reminder"),
    "action_user-add": ("添加用户", "user added"),
    "action_user-remove": ("删除用户", "user removed"),
    "action_set-email": ("设置邮箱", "e-mail set"),
    "detail_pair": ("{name}：{value}", "{name}: {value}"),
    "detail_sep": ("；", "; "),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "detail_agency": ("单位", "agency"),
    "detail_approved_by": ("批准人", "approved by"),
    "detail_as_of": ("截至", "as of"),
    "detail_changed": ("变化", "changed"),
    "detail_channel": ("方式", "channel"),
    "detail_digest": ("摘要", "digest"),
    "detail_export": ("导出单", "export"),
    "detail_extensions": ("延期记录", "extensions"),
    "detail_files": ("文件", "files"),
    "detail_forced": ("强制", "forced"),
    "detail_from": ("原为", "from"),
    "detail_granted_on": ("批准日期", "granted on"),
    "detail_held_back": ("暂缓", "held back"),
    "detail_items": ("事项", "items"),
    "detail_level": ("级别", "level"),
    "detail_message_id": ("邮件编号", "message id"),
    "detail_new_due": ("新完成时间", "new due date"),
    "detail_office": ("协调办公室", "office"),
    "detail_reason": ("理由", "reason"),
    "detail_recipients": ("收件人", "recipients"),
    "detail_rows": ("行数", "rows"),
    "detail_to": ("改为", "to"),
    "detail_updates": ("更新", "updates"),
    "office_follows": ("{agency}：没有成员单位，无人接收提醒；其 {count} 项逾期事项由协调办公室自行跟进",
                       "{agency}: has no member agencies, so nobody receives a reminder; its {count} overdue item(s) are the office's to follow up"),
    # completion claims and the office's review
    "claims_title": ("待审核的销号申请（截至 {as_of}）", "Completion claims awaiting review (as of {as_of})"),
    "claimed_on": ("申请日期", "claimed on"),
    "claim_age": ("已等待", "waiting"),
    "days": ("{n} 天", "{n} d"),
    "claim_note": ("完成情况", "what was done"),
    "evidence": ("佐证材料", "evidence"),
    "no_evidence": ("无", "none"),
    "no_claims": ("没有待审核的销号申请", "no completion claims await review"),
    "returned_note": ("【销号申请被退回】{reason}", "[completion claim returned] {reason}"),
    "returned_line": ("退回：{agency}：{reason}", "returned: {agency}: {reason}"),
}
