"""Word lists used by lookalike generation and scoring.

The lists are general (finance words, zones, TLDs, number words, common
misspellings of words found in broker names); none exists for one brand.
Whether a brand term is an everyday English word comes from the ``wordfreq``
frequency list (:func:`ordinary_word`), not from a hand-kept list.
"""

from __future__ import annotations

from functools import cache

#: Zipf frequency (log10 per billion words) from which a word counts as everyday English
ORDINARY_ZIPF = 2.5


@cache
def ordinary_word(term: str) -> bool:
    """Is ``term`` (dashes ignored) an everyday English word, or the plural of one?"""
    from wordfreq import zipf_frequency  # ~1 s to load: only when a name is scored

    word = term.replace("-", "").lower()
    if not word.isascii() or not word.isalpha():
        return False
    if zipf_frequency(word, "en") >= ORDINARY_ZIPF:
        return True
    return word.endswith("s") and zipf_frequency(word[:-1], "en") >= ORDINARY_ZIPF


#: words phishers glue to a broker's name (combosquatting); pinyin of 證券/股票/期貨 included
FINANCE_KEYWORDS: tuple[str, ...] = (
    "login", "signin", "app", "apps", "download", "apk", "ios", "android",
    "sec", "securities", "security", "secure", "zhengquan", "zq", "stock", "stocks",
    "gupiao", "trade", "trading", "invest", "investment", "fund", "funds", "etf",
    "futures", "qihuo", "broker", "wealth", "vip", "service", "support", "online",
    "web", "ebank", "bank", "tw", "taiwan", "official", "verify", "account", "member",
    "line", "group", "club", "ai", "profit", "dividend", "news", "eservice", "mobile",
)  # fmt: skip

#: second-level zones of .tw that TWNIC registers (and the IDN TLD 台灣)
TW_ZONES: tuple[str, ...] = (
    "com.tw", "net.tw", "org.tw", "idv.tw", "tw", "game.tw", "ebiz.tw", "club.tw",
    "xn--kpry57d", "xn--kprw13d",
)  # fmt: skip

#: TLDs for tld-swap and combosquatting: generic, cheap (abused) and regional ones
COMMON_TLDS: tuple[str, ...] = (
    "com", "net", "org", "info", "biz", "co", "io", "app", "top", "xyz", "vip", "cc",
    "cn", "hk", "com.hk", "sg", "com.sg", "my", "jp", "asia", "online", "site", "shop",
    "club", "live", "pro", "icu", "cyou", "buzz", "win", "bond", "finance", "money",
    "tw", "com.tw", "net.tw", "org.tw", "idv.tw", "me", "tv", "link", "click", "store",
)  # fmt: skip

#: suffixes a combosquat is tried under (kept short: every term x keyword x suffix)
COMBO_SUFFIXES: tuple[str, ...] = ("com", "net", "com.tw", "tw", "top", "vip", "xyz", "cc")

#: registries that refuse Latin letters with diacritics in IDN labels
NO_LATIN_IDN: frozenset[str] = frozenset(
    {"tw", "com.tw", "net.tw", "org.tw", "idv.tw", "cn", "com.cn", "jp", "co.jp", "ad.jp",
     "ne.jp", "uk", "co.uk", "us", "edu", "nl", "cz", "sk", "ad"}
)  # fmt: skip

#: free dynamic-DNS and hosting zones where a brand label costs nothing
DYNAMIC_DNS: tuple[str, ...] = (
    "duckdns.org", "no-ip.org", "ddns.net", "hopto.org", "zapto.org", "dynu.net",
    "github.io", "netlify.app", "vercel.app", "pages.dev", "web.app", "firebaseapp.com",
    "herokuapp.com", "blogspot.com", "wixsite.com", "weebly.com", "glitch.me",
)  # fmt: skip

#: number words and their digits (ail-typo-squatting numeral swap)
NUMERALS: tuple[tuple[str, str], ...] = (
    ("one", "1"), ("two", "2"), ("three", "3"), ("four", "4"), ("five", "5"),
    ("six", "6"), ("seven", "7"), ("eight", "8"), ("nine", "9"), ("zero", "0"),
    ("second", "2nd"),
)  # fmt: skip

#: words that sound alike or are commonly misspelt in broker names
HOMOPHONES: tuple[tuple[str, str], ...] = (
    ("capital", "capitol"), ("link", "lynk"), ("link", "linc"), ("master", "mastar"),
    ("concord", "concorde"), ("sec", "sek"), ("securities", "securitys"),
    ("securities", "secruities"), ("fubon", "fubong"), ("sino", "cino"), ("pac", "pak"),
    ("yuan", "yuen"),
)  # fmt: skip

#: keywords that on their own say "this is about a brokerage account"
STRONG_KEYWORDS: frozenset[str] = frozenset(
    {"login", "signin", "app", "apps", "apk", "download", "sec", "securities", "zhengquan", "zq",
     "stock", "stocks", "gupiao", "trade", "trading", "invest", "futures", "qihuo", "broker",
     "ebank", "verify", "account", "etf", "eservice", "comtw", "nettw", "www"}
)  # fmt: skip

#: suffixes where phishing kits are cheap to host, and the region's own zones
PHISHING_PRONE_SUFFIXES: frozenset[str] = frozenset(
    {"top", "xyz", "vip", "cc", "icu", "cyou", "buzz", "win", "bond", "online", "site", "shop",
     "live", "click", "link", "store", "finance", "money", "pro", "app", "io", "me", "tv", "club",
     "info", "biz", "cn", "hk", "com.hk", "sg", "com.sg", "my", "asia", "mo", "com.cn"}
)  # fmt: skip

#: common misspellings of words found in Taiwanese broker names (ail's common-misspelling)
MISSPELLINGS: tuple[tuple[str, str], ...] = (
    ("capital", "captial"), ("capital", "capitel"), ("securities", "securites"),
    ("securities", "securties"), ("master", "mastre"), ("master", "masster"),
    ("link", "lnik"), ("concord", "concorde"), ("concord", "conkord"), ("cathay", "cathey"),
    ("president", "presidnet"), ("trade", "trdae"), ("invest", "invset"), ("world", "wrold"),
    ("mega", "mgea"), ("sino", "snio"), ("fubon", "fubbon"), ("yuanta", "yaunta"),
    ("yuanta", "yuantta"), ("kgi", "kgii"), ("net", "nett"), ("pac", "pack"),
)  # fmt: skip
