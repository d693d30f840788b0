"""What commands say when they have done something (on stderr: the data goes to stdout)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "error": ("错误：{message}", "error: {message}"),
    "hint": ("  提示：{hint}", "  hint: {hint}"),
    "warning": ("注意：{message}", "warning: {message}"),
    "created_db": ("已新建数据库：{path}", "created a new database at {path}"),
    "recorded": ("#{id} {code} {agency}：{status}（{on}）", "#{id} {code} {agency}: {status} ({on})"),
    "left_own_word": ("{code} {agency}：保持不变（{status}，其本单位 {on} 的报送）",
                      "{code} {agency}: left as it is ({status}, its own report of {on})"),
    "undone": ("#{id} {code} {agency}：{status}（撤销 #{reverses}）", "#{id} {code} {agency}: {status} (undoes #{reverses})"),
    "undo_left": ("#{id}：其后已有新的报送，保持不变", "#{id}: reported again since; left as it is"),
    "extended": ("延期 #{id}：{code}{agency} 完成时间改为 {due}", "extension #{id}: {code}{agency} due {due}"),
    "wrote": ("已写入 {path}", "wrote {path}"),
}
MESSAGES.update({
    "db_applied": ("已升级数据库结构：{revisions}", "applied {revisions}"),
    "db_current": ("数据库结构已是最新（{revision}）", "schema is up to date ({revision})"),
    "backup_written": ("已备份到 {path}", "backup written to {path}"),
    "db_database": ("数据库", "database"),
    "db_no_schema": ("无", "none"),
    "db_check_head": ("{engine}：结构版本 {schema}", "{engine}: schema {schema}"),
    "db_check_pending": ("，待升级 {revisions}", ", pending {revisions}"),
    "db_count": ("  {table}：{count}", "  {table}: {count}"),
    "db_problem": ("问题：{problem}", "problem: {problem}"),
    "db_ok": ("正常", "ok"),
    "db_not_ok": ("有问题", "NOT OK"),
    "user_removed": ("已删除用户 {name}", "removed {name}"),
})
