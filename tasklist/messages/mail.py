"""The reminder e-mail (督办提醒, 催办, 通报) and what delivering it may meet. The e-mail itself is
written in Chinese, the language of the agencies it goes to; the English is there for a plan in English."""

MESSAGES: dict[str, tuple[str, str]] = {
    "subject": ("【{level}】{agency}：{n}项事项已逾期（截至{as_of}）",
                "[{level}] {agency}: {n} {n:item|items} overdue (as of {as_of})"),
    "subject_soon": ("，{n}项即将到期", "; {n} due soon"),
    "sender": ("任务督办", "Task supervision"),
    "greeting": ("{name}：", "{name}:"),
    "first_time": ("提醒", "reminder"),
    "intro": ("这是第{nth}次{kind}。截至{as_of}，贵单位承担的以下{n}项事项已超过完成时间，请抓紧推进并及时报送进展情况。",
              "This is {kind} number {nth}. As of {as_of}, the {n} {n:item|items} below that your agency is responsible "
              "for {n:is|are} past {n:its|their} due date: please press on and report progress."),
    "overdue_title": ("{agency} 逾期事项（截至 {as_of}）", "{agency}: overdue items (as of {as_of})"),
    "soon_title": ("{agency} 即将到期事项", "{agency}: items due soon"),
    "closing": ("附件为贵单位的反馈表（先列逾期事项，再列其他未完成事项）。请在“新状态”等列填写后，将文件原样回传，"
                "协调办公室导入后即记入系统。",
                "Attached is your agency's feedback workbook (overdue items first, then your other open items). "
                "Fill in the “new status” and the other columns and send the file back as it is: the "
                "coordinating office imports it into the system."),
    "attachment": ("{agency}_反馈表_{as_of}.xlsx", "{agency}_feedback_{as_of}.xlsx"),
    # delivery problems (the refusals of bad options are error.* keys)
    "already_sent": ("今天已就这些事项发送过（--resend 可再次发送）",
                     "already sent for these items on this date (--resend sends it again)"),
    "cannot_connect": ("无法连接邮件服务器 {host}:{port}：{error}", "cannot connect to {host}:{port}: {error}"),
    "session_refused": ("邮件服务器拒绝了会话：{error}", "SMTP session refused: {error}"),
    "refused": ("收件人被拒收：{who}", "refused: {who}"),
    "partly_refused": ("部分收件人被拒收：{who}", "some recipients refused: {who}"),
    "send_failed": ("发送失败：{error}", "not sent: {error}"),
    "returned_intro": ("以下事项的销号申请已被退回，请按要求补充后重新申请：", "The completion claims on these items were returned; please complete them and claim again:"),
    "returned_line": ("· {code}：{reason}", "· {code}: {reason}"),
}
