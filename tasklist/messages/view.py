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
    "points": ("{n:+.1f} 个百分点", "{n:+.1f} pts"),
    # agencies
    "kind_count": ("{kind}（{n}）", "{kind} ({n})"),
    "kind_provincial_department": ("省直部门", "provincial department"),
    "kind_provincial_party_office": ("省委部门", "provincial Party office"),
    "kind_central_vertical_agency": ("中央垂直管理单位", "central agency"),
    "kind_central_bank_branch": ("人民银行分支机构", "central bank branch"),
    "kind_city_government": ("设区市政府", "city government"),
    "kind_administrative_committee": ("管委会", "administrative committee"),
    "kind_group": ("单位组", "group"),
    "kind_other": ("其他", "other"),
    # load
    "list_sep": ("、", ", "),
    "list_more": ("…（另 {n} 个）", "… (+{n})"),
    "load_unchanged": ("{plan}：无变化（{n} 项事项）", "{plan}: no changes ({n} {n:item|items})"),
    "load_plan_added": ("方案 {plan}：已新增", "plan {plan}: added"),
    "load_plan_added_dry": ("方案 {plan}：将新增", "plan {plan}: would be added"),
    "load_plan_changed": ("方案 {plan}：已更新 {fields}", "plan {plan}: updated {fields}"),
    "load_plan_changed_dry": ("方案 {plan}：将更新 {fields}", "plan {plan}: would update {fields}"),
    "load_list": ("{what}（{n}）：{names}", "{what} ({n}): {names}"),
    "load_agencies_added": ("新增单位", "agencies added"),
    "load_agencies_added_dry": ("将新增单位", "agencies to add"),
    "load_items_added": ("新增事项", "items added"),
    "load_items_added_dry": ("将新增事项", "items to add"),
    "load_items_archived": ("归档事项", "items archived"),
    "load_items_archived_dry": ("将归档事项", "items to archive"),
    "load_items_restored": ("恢复事项", "items restored"),
    "load_items_restored_dry": ("将恢复事项", "items to restore"),
    "load_assignments_added": ("新增责任", "assignments added"),
    "load_assignments_added_dry": ("将新增责任", "assignments to add"),
    "load_assignments_changed": ("变更责任", "assignments changed"),
    "load_assignments_changed_dry": ("将变更责任", "assignments to change"),
    "load_assignments_archived": ("归档责任", "assignments archived"),
    "load_assignments_archived_dry": ("将归档责任", "assignments to archive"),
    "load_agency_changed": ("已更新单位 {name}：{fields}", "updated agency {name}: {fields}"),
    "load_agency_changed_dry": ("将更新单位 {name}：{fields}", "would update agency {name}: {fields}"),
    "load_item_changed": ("已更新事项 {name}：{fields}", "updated item {name}: {fields}"),
    "load_item_changed_dry": ("将更新事项 {name}：{fields}", "would update item {name}: {fields}"),
    "load_more_agency": ("… 另有 {n} 个单位有更新", "… {n} more {n:agency|agencies} updated"),
    "load_more_item": ("… 另有 {n} 项事项有更新", "… {n} more {n:item|items} updated"),
    "field_title": ("名称", "title"),
    "field_doc_no": ("文号", "document number"),
    "field_issued": ("印发日期", "date issued"),
    "field_issuer": ("印发单位", "issuer"),
    "field_timezone": ("时区", "time zone"),
    "field_reporting": ("报送周期", "reporting"),
    "field_lang": ("语言", "language"),
    "field_full_name": ("全称", "full name"),
    "field_kind": ("类别", "kind"),
    "field_name_en": ("英文名称", "English name"),
    "field_email": ("邮箱", "e-mail"),
    "field_position": ("顺序", "position"),
    "field_members": ("成员", "members"),
    "field_no": ("序号", "number"),
    "field_section": ("分类", "section"),
    "field_category": ("分类", "category"),
    "field_content": ("主要内容", "content"),
    "field_due": ("完成时间", "due date"),
    "field_due_text": ("完成时间（原文）", "due date as written"),
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
}
