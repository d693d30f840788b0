"""Names of the fields a message may point at (options are named as typed: --by, --note)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "note": ("进展情况", "note"),
    "reason": ("理由", "reason"),
    "agency_name": ("单位名称", "agency name"),
    "item_id": ("事项编号", "item id"),
    "target_id": ("指标编号", "target id"),
    "value": ("数值", "value"),
    "source": ("数据来源", "source"),
    "feedback_file_name": ("反馈表文件名", "feedback file name"),
    "evidence": ("佐证材料文件名", "evidence file name"),
}
