"""Subject and text per event kind, in Simplified Chinese and English; chosen by the
recipient's `language`. Placeholders: {number} {title} {actor} {body} {level} {deadline}."""

from __future__ import annotations

from typing import Any

ZH = "zh-hans"
EN = "en"

# kind → language → (subject, body)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "created": {
        ZH: ("新工单 {number}：{title}", "{actor} 提交了工单 {number}「{title}」。\n{body}"),
        EN: ("New ticket {number}: {title}", "{actor} filed ticket {number} “{title}”.\n{body}"),
    },
    "accepted": {
        ZH: ("工单 {number} 已签收", "工单 {number}「{title}」已由 {actor} 签收办理。"),
        EN: ("Ticket {number} accepted", "Ticket {number} “{title}” was accepted by {actor}."),
    },
    "returned": {
        ZH: ("工单 {number} 被退回待重新分派", "{actor} 退回了工单 {number}「{title}」：{body}"),
        EN: ("Ticket {number} returned for re-dispatch", "{actor} returned ticket {number} “{title}”: {body}"),
    },
    "replied": {
        ZH: ("工单 {number} 有新回复", "{actor} 回复了工单 {number}「{title}」：\n{body}"),
        EN: ("New reply on ticket {number}", "{actor} replied on ticket {number} “{title}”:\n{body}"),
    },
    "noted": {
        ZH: ("工单 {number} 有内部备注", "{actor} 在工单 {number}「{title}」添加了内部备注：\n{body}"),
        EN: (
            "Internal note on ticket {number}",
            "{actor} added an internal note on ticket {number} “{title}”:\n{body}",
        ),
    },
    "transferred": {
        ZH: ("工单 {number} 已转办", "{actor} 转办了工单 {number}「{title}」：{body}"),
        EN: ("Ticket {number} transferred", "{actor} transferred ticket {number} “{title}”: {body}"),
    },
    "suspended": {
        ZH: ("工单 {number} 已挂起，等待企业补充", "工单 {number}「{title}」已挂起：{body}"),
        EN: ("Ticket {number} is waiting on the enterprise", "Ticket {number} “{title}” was suspended: {body}"),
    },
    "resumed": {
        ZH: ("工单 {number} 已恢复办理", "工单 {number}「{title}」已恢复办理。"),
        EN: ("Ticket {number} resumed", "Ticket {number} “{title}” is being handled again."),
    },
    "resolved": {
        ZH: ("工单 {number} 已办结", "工单 {number}「{title}」已办结：\n{body}\n欢迎评价。"),
        EN: ("Ticket {number} resolved", "Ticket {number} “{title}” was resolved:\n{body}\nPlease rate it."),
    },
    "withdrawn": {
        ZH: ("工单 {number} 已撤回", "工单 {number}「{title}」已被企业撤回。{body}"),
        EN: ("Ticket {number} withdrawn", "Ticket {number} “{title}” was withdrawn by the enterprise. {body}"),
    },
    "rated": {
        ZH: ("工单 {number} 收到评价", "工单 {number}「{title}」收到评价。{body}"),
        EN: ("Ticket {number} was rated", "Ticket {number} “{title}” was rated. {body}"),
    },
    "reopened": {
        ZH: ("工单 {number} 已重新打开", "工单 {number}「{title}」已重新打开：{body}"),
        EN: ("Ticket {number} reopened", "Ticket {number} “{title}” was reopened: {body}"),
    },
    "extension_approved": {
        ZH: ("工单 {number} 延期已批准", "工单 {number}「{title}」的办理期限已延长。{body}"),
        EN: (
            "Extension approved for ticket {number}",
            "The deadline of ticket {number} “{title}” was extended. {body}",
        ),
    },
    "escalated": {
        ZH: ("【预警】工单 {number} {level}", "工单 {number}「{title}」{deadline}期限{level}，请尽快处理。"),
        EN: ("[Alert] Ticket {number}: {level}", "Ticket {number} “{title}”: {deadline} deadline {level}. Act now."),
    },
    "supervised": {
        ZH: ("【督办】工单 {number}", "工单 {number}「{title}」已被督办，请立即处理并书面答复。{body}"),
        EN: ("[Supervision] Ticket {number}", "Ticket {number} “{title}” is under a supervision order. {body}"),
    },
    "digest": {
        ZH: ("今日待办：{count} 件", "您有 {count} 件在办工单，其中今日到期 {due_today} 件：\n{body}"),
        EN: ("Your queue today: {count}", "You have {count} open tickets, {due_today} due today:\n{body}"),
    },
}

GENERIC = {
    ZH: ("工单 {number} 有新动态：{kind}", "工单 {number}「{title}」：{actor} {kind}。{body}"),
    EN: ("Ticket {number}: {kind}", "Ticket {number} “{title}”: {kind} by {actor}. {body}"),
}

LEVELS = {
    ZH: {"warning": "即将超时", "breach": "已超时"},
    EN: {"warning": "is about to be missed", "breach": "was missed"},
}
DEADLINES = {ZH: {"accept": "签收", "resolve": "办结"}, EN: {"accept": "acceptance", "resolve": "resolution"}}


class _Safe(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(kind: str, language: str, **context: Any) -> tuple[str, str]:
    """(subject, body) for an event kind in a language (English when not Chinese)."""
    lang = ZH if language.lower().startswith("zh") else EN
    subject, body = TEMPLATES.get(kind, GENERIC)[lang]
    values = _Safe(kind=kind, **context)
    if "level" in context:
        values["level"] = LEVELS[lang].get(str(context["level"]), str(context["level"]))
    if "deadline" in context:
        values["deadline"] = DEADLINES[lang].get(str(context["deadline"]), str(context["deadline"]))
    return subject.format_map(values)[:200], body.format_map(values).strip()
