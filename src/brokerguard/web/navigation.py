"""The main menu grouped by article of the rules (issue 17, item 7).

Each domain's :class:`NavItem` names the article its page serves; the menu shows one
collapsible group per article, in article order, after the compliance work every
article shares (dashboard, findings, evidence, policies, reports). Only the pages the
signed-in role may open are listed; a group with none is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from brokerguard.kernel.manifest import NavItem

#: the articles' subjects, as the rules name them (zh-TW, English)
ARTICLE_SUBJECTS: dict[int, tuple[str, str]] = {
    3: ("法令遵循", "Legal compliance"),
    4: ("雲端服務", "Cloud services"),
    5: ("社群媒體", "Social media"),
    6: ("行動裝置與行動應用程式", "Mobile devices and apps"),
    7: ("物聯網設備", "IoT devices"),
    8: ("網路釣魚", "Phishing"),
    9: ("電子交易", "Electronic trading"),
    10: ("深度偽造", "Deepfake"),
    11: ("人工智慧", "Artificial intelligence"),
}
SHARED = ("遵循管理", "Compliance")


@dataclass(frozen=True)
class NavGroup:
    article: int | None
    label_zh: str
    label_en: str
    items: tuple[NavItem, ...]
    current: bool  # the page shown is one of the group's


def _label(article: int | None) -> tuple[str, str]:
    if article is None:
        return SHARED
    zh, en = ARTICLE_SUBJECTS.get(article, ("", ""))
    return (f"第 {article} 條 {zh}".rstrip(), f"Art. {article} {en}".rstrip())


def nav_groups(
    items: Sequence[NavItem], visible: Callable[[NavItem], bool], path: str
) -> list[NavGroup]:
    """The visible ``items`` grouped by article (shared work first), each group in the
    order its items were declared; ``path`` marks the group of the page shown."""
    grouped: dict[int | None, list[NavItem]] = {}
    for item in items:
        if visible(item):
            grouped.setdefault(item.article, []).append(item)
    order = sorted(grouped, key=lambda article: -1 if article is None else article)
    return [
        NavGroup(
            article,
            *_label(article),
            tuple(grouped[article]),
            any(path.startswith(item.path) for item in grouped[article]),
        )
        for article in order
    ]
