"""Chinese brand names as domain labels: validation, Traditional/Simplified forms, keywords.

Brand files written by Taiwanese staff carry Chinese names (``元大``); phishing
sites register them as IDN labels (``元大證券.com``, ``元大-登入.tw``) and in
Simplified form (``凯基``, ``永丰``). :func:`chinese_forms` gives every form a
name is matched in, converted with OpenCC (``s2t``, ``s2tw``, ``t2s``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import idna
import opencc

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_LABEL_OCTETS = 63

#: words glued to a Chinese brand name in phishing labels (Traditional and Simplified)
CJK_KEYWORDS: tuple[str, ...] = (
    "證券", "证券", "登入", "登錄", "登录", "下載", "下载", "官網", "官网", "客服",
    "驗證", "验证", "帳戶", "账户", "帳號", "账号", "股票", "期貨", "期货", "投資", "投资",
    "理財", "理财", "會員", "会员", "交易", "網路", "网络", "線上", "在线", "服務", "服务",
    "金控", "安全", "更新", "認證", "认证", "台灣", "台湾", "官方", "中心",
)  # fmt: skip
#: of those, the ones that on their own say "this is about a brokerage account"
CJK_STRONG_KEYWORDS: frozenset[str] = frozenset(
    {"證券", "证券", "登入", "登錄", "登录", "下載", "下载", "驗證", "验证", "帳戶", "账户",
     "帳號", "账号", "股票", "期貨", "期货", "交易", "認證", "认证"}
)  # fmt: skip


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def chinese_label(text: str) -> str:
    """``text`` as a Unicode domain label (NFKC, lower case, IDNA-checked).

    Raises ``ValueError`` naming the reason when it cannot be a label.
    """
    label = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    if not label:
        raise ValueError("empty")
    try:
        encoded = idna.encode(label, uts46=True)
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"{text!r} is not usable in a domain label ({exc})") from None
    if len(encoded) > MAX_LABEL_OCTETS:
        raise ValueError(f"{text!r} is longer than a domain label (63 octets as punycode)")
    if b"." in encoded:
        raise ValueError(f"{text!r} holds a dot: one label only")
    decoded: str = idna.decode(encoded)
    return decoded


def chinese_forms(text: str) -> tuple[str, ...]:
    """``text`` and its Traditional, Taiwan-Traditional and Simplified forms (distinct)."""
    forms = [text]
    for config in ("s2t", "s2tw", "t2s"):
        forms.append(_converter(config).convert(text))
    valid: list[str] = []
    for form in dict.fromkeys(forms):
        try:
            valid.append(chinese_label(form))
        except ValueError:
            continue
    return tuple(dict.fromkeys(valid))


def split_keywords(piece: str, keywords: frozenset[str]) -> list[str]:
    """A run of Chinese characters cut into known keywords and the text between them.

    Chinese has no spaces: ``官網登入`` is two keywords; ``官網abc`` gives
    ``["官網", "abc"]``. Longest keyword first at each position.
    """
    if piece.isascii():
        return [piece]
    longest = max((len(k) for k in keywords), default=0)
    parts: list[str] = []
    other = ""
    i = 0
    while i < len(piece):
        for size in range(min(longest, len(piece) - i), 0, -1):
            if piece[i : i + size] in keywords:
                if other:
                    parts.append(other)
                    other = ""
                parts.append(piece[i : i + size])
                i += size
                break
        else:
            other += piece[i]
            i += 1
    if other:
        parts.append(other)
    return parts
