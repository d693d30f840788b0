"""Labels and headers in Chinese or English, from the message catalogue (:mod:`tasklist.messages`).
Registry text is shown as written, never translated."""

from __future__ import annotations

from .messages import area, current_lang, t

STATUS_LABELS_EN = {"not_started": "not started", "in_progress": "in progress", "done": "done", "blocked": "blocked",
                    "claimed": "awaiting review", "unassigned": "unassigned"}


class Labels:
    """The words of one language. ``labels(key)`` is a label (``label.key``); a dotted key is any
    message of the catalogue."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = "en" if (lang or current_lang()) == "en" else "zh"
        self._index = 1 if self.lang == "en" else 0
        self._labels = area("label")

    def __call__(self, key: str, **fields: object) -> str:
        if "." in key:
            return t(key, self.lang, **fields)
        template = self._labels[key][self._index]
        return template.format(**fields) if fields else template

    def status(self, key: str) -> str:
        from .rules import STATUS_LABELS_ZH

        return (STATUS_LABELS_EN if self.lang == "en" else STATUS_LABELS_ZH).get(key, key)

    def light(self, key: str) -> str:
        return self(f"light_{key}")
