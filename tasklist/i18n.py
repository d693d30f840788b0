"""Labels and headers in Chinese or English. Registry text is shown as written, never translated."""

from __future__ import annotations

import os

from .rules import STATUS_LABELS_ZH

STATUS_LABELS_EN = {"not_started": "not started", "in_progress": "in progress", "done": "done", "blocked": "blocked"}
LIGHTS = {"zh": {"red": "红", "yellow": "黄", "green": "绿"}, "en": {"red": "red", "yellow": "yellow", "green": "green"}}

_EN = {
    "id": "ID", "kind": "Kind", "no": "No.", "group": "Section", "title": "Title", "agencies": "Agencies",
    "lead": "Lead", "due": "Due", "due_text": "Due (as written)", "status": "Status", "light": "Light",
    "agency": "Agency", "full_name": "Full name", "aliases": "Aliases", "members": "Members", "assigned": "Assigned",
    "done": "Done", "in_progress": "In progress", "not_started": "Not started", "blocked": "Blocked",
    "overdue": "Overdue", "due_soon": "Due soon", "stale": "Stale", "last_report": "Last report",
    "days_overdue": "Late", "progress": "%", "note": "Note", "role": "Role", "reported_on": "Reported",
    "recorded_by": "By", "reported_by": "For", "user": "User", "office": "coordinating office",
    "created_at": "Created", "created_by": "Created by", "audit_title": "Audit log", "at": "At", "actor": "Actor",
    "action": "Action", "subject": "Subject", "detail": "Detail", "source": "Source", "update": "Update", "content": "Content",
    "task": "task", "outcome": "outcome", "lead_mark": "lead", "co_mark": "",
    "more_rows": "… {n} more rows (--all shows everything)",
    "items_title": "Items (as of {as_of})", "overdue_title": "Overdue as of {as_of}",
    "overdue_summary": "{items} items overdue; {assignments} overdue assignments across {agencies} agencies (as of {as_of})",
    "no_overdue": "Nothing is overdue as of {as_of}.",
    "status_title": "Status by agency (as of {as_of})", "agency_title": "{agency} (as of {as_of})",
    "history_title": "History", "no_history": "No updates recorded.", "extensions": "Extensions",
    "original_due": "Original due", "current_due": "Current due", "plan": "Plan", "via": "via {group}",
    "archived": "archived", "total": "Total",
    "weekly_title": "Weekly report: {plan} ({start} – {end})", "weekly_overall": "Overall",
    "weekly_metric": "Measure", "weekly_now": "Now", "weekly_previous": "Week before", "weekly_change": "Change",
    "weekly_completion": "Completion rate", "weekly_agencies": "By agency", "weekly_reported": "Reported this period",
    "weekly_yes": "yes ({n})", "weekly_no": "no", "weekly_updates": "Updates in the period ({n})", "weekly_count": "Updates",
    "weekly_completed": "Completed in the period", "weekly_became_overdue": "Became overdue in the period",
    "weekly_generated": "Generated {at}",
    "short_assigned": "Items", "short_done": "Done", "short_in_progress": "Doing", "short_not_started": "NotSt",
    "short_blocked": "Block", "short_overdue": "Late", "short_due_soon": "Soon", "short_stale": "Stale",
}
_ZH = {
    "id": "编号", "kind": "类别", "no": "序号", "group": "分类", "title": "名称", "agencies": "责任单位",
    "lead": "牵头单位", "due": "完成时间", "due_text": "完成时间(原文)", "status": "状态", "light": "灯",
    "agency": "单位", "full_name": "全称", "aliases": "别名", "members": "成员", "assigned": "承担",
    "done": "已完成", "in_progress": "推进中", "not_started": "未启动", "blocked": "受阻",
    "overdue": "逾期", "due_soon": "临期", "stale": "未报", "last_report": "最近报送",
    "days_overdue": "逾期天数", "progress": "进度", "note": "进展情况", "role": "角色", "reported_on": "报送日期",
    "recorded_by": "记录人", "reported_by": "报送人", "user": "用户", "office": "协调办公室",
    "created_at": "创建时间", "created_by": "创建人", "audit_title": "审计日志", "at": "时间", "actor": "操作人",
    "action": "操作", "subject": "对象", "detail": "详情", "source": "来源", "update": "更新", "content": "主要内容",
    "task": "任务", "outcome": "成果", "lead_mark": "牵头", "co_mark": "",
    "more_rows": "… 另有 {n} 行未显示(--all 显示全部)",
    "items_title": "事项清单(截至 {as_of})", "overdue_title": "逾期事项(截至 {as_of})",
    "overdue_summary": "截至 {as_of}:{items} 项逾期,涉及 {agencies} 个单位的 {assignments} 项责任",
    "no_overdue": "截至 {as_of} 无逾期事项。",
    "status_title": "各单位进展(截至 {as_of})", "agency_title": "{agency}(截至 {as_of})",
    "history_title": "更新记录", "no_history": "暂无更新记录。", "extensions": "延期",
    "original_due": "原定时间", "current_due": "现定时间", "plan": "方案", "via": "经 {group}",
    "archived": "已归档", "total": "合计",
    "weekly_title": "周报:{plan}({start} 至 {end})", "weekly_overall": "总体情况",
    "weekly_metric": "指标", "weekly_now": "本期", "weekly_previous": "上期", "weekly_change": "变化",
    "weekly_completion": "完成率", "weekly_agencies": "各单位情况", "weekly_reported": "本期报送",
    "weekly_yes": "是({n})", "weekly_no": "否", "weekly_updates": "本期更新({n}条)", "weekly_count": "条数",
    "weekly_completed": "本期完成", "weekly_became_overdue": "本期新增逾期",
    "weekly_generated": "生成时间 {at}",
    "short_assigned": "承担", "short_done": "完成", "short_in_progress": "推进", "short_not_started": "未启",
    "short_blocked": "受阻", "short_overdue": "逾期", "short_due_soon": "临期", "short_stale": "未报",
}


def detect_lang(explicit: str | None = None) -> str:
    """The language of what users read: --lang, else TASKLIST_LANG, else Chinese, the language of the
    plans this tool carries and of its users (English is asked for, never fallen back to; the
    machine's locale says nothing about who reads: a Windows desk in an office is often set to en)."""
    value = (explicit or os.environ.get("TASKLIST_LANG") or "zh").lower()
    return "en" if value.startswith("en") else "zh"


class Labels:
    def __init__(self, lang: str) -> None:
        self.lang = "en" if lang == "en" else "zh"
        self._table = _EN if self.lang == "en" else _ZH

    def __call__(self, key: str, **fields: object) -> str:
        return self._table[key].format(**fields)

    def status(self, key: str) -> str:
        return (STATUS_LABELS_EN if self.lang == "en" else STATUS_LABELS_ZH).get(key, key)

    def light(self, key: str) -> str:
        return LIGHTS[self.lang][key]
