"""Fonts for labels that may be Chinese, Japanese or Korean.

Matplotlib's default font (DejaVu Sans) has no CJK glyphs: a Chinese label would be drawn as
empty boxes ("tofu"). Since matplotlib 3.6 a list of families gives per-glyph fallback, so
labels are drawn with ``["DejaVu Sans", <a CJK family>]`` when one is installed. Debian's
``fonts-wqy-microhei`` (5 MB) is the one CI installs; the Noto/Source Han families and the
usual Windows/macOS ones are found too.

Matplotlib caches its font list; a font installed after the cache was built is found by looking
at the system font files directly and adding them to the running font manager.

Not here: choosing a font for the web page (the browser's own fallback does that).
"""

from __future__ import annotations

import functools
import os
import re

# Preferred CJK families, most common first (Debian, then Noto/Adobe, then Windows and macOS).
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)
# Substrings of font file names that may hold one of the families above.
_FILE_HINTS = (
    "wqy", "cjk", "sourcehan", "droidsansfallback", "uming", "simhei", "msyh", "pingfang",
)

# CJK unified ideographs (+ extension A), kana, hangul, CJK symbols and full-width forms.
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")

BASE_FAMILY = "DejaVu Sans"


def has_cjk(text: str) -> bool:
    """True if ``text`` contains a character that needs a CJK font."""
    return bool(_CJK.search(text))


def _installed_family() -> str | None:
    from matplotlib import font_manager

    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


@functools.lru_cache(maxsize=1)
def cjk_font_family() -> str | None:
    """The name of an installed CJK font family matplotlib can use, or None if there is none."""
    from matplotlib import font_manager

    family = _installed_family()
    if family is not None:
        return family
    # The font cache may predate the font's installation: add candidate files directly.
    for path in font_manager.findSystemFonts():
        if any(hint in os.path.basename(path).lower() for hint in _FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # unreadable or unsupported file
                continue
    return _installed_family()


def font_families(labels: list[str]) -> list[str]:
    """The ``font.family`` list for ``labels``: DejaVu Sans, plus a CJK fallback if one is needed.

    Raises nothing when no CJK font is installed; :func:`missing_cjk_font` says so.
    """
    if any(has_cjk(label) for label in labels):
        family = cjk_font_family()
        if family is not None:
            return [BASE_FAMILY, family]
    return [BASE_FAMILY]


def missing_cjk_font(labels: list[str]) -> bool:
    """True if some label needs a CJK font and none is installed."""
    return any(has_cjk(label) for label in labels) and cjk_font_family() is None
