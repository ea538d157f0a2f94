"""Where PDF labels get their fonts (docs/adr/0022).

DejaVu Sans ships with ShopDB (``fonts/``): Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew and more,
in 1.4 MB for its regular and bold faces. Scripts it lacks — Chinese, Japanese and Korean above all —
need fonts of 10 to 20 MB each, which a wheel should not carry for every plant. They come from:

- ``SHOPDB_LABEL_FONTS``: font files the operator names (``:``-separated; ``file.ttc#2`` picks a face
  of a collection), tried in order; ``none`` turns fallback fonts off;
- else the fonts installed on the server, as fontconfig lists them (``fc-list``, one call per process,
  its answer kept: a font installed later is seen after a restart). For the characters a print lacks,
  the fonts that cover the most of them are chosen, regular faces first. No ``fc-list`` (a slim
  container), or one that fails, means no fallback fonts, and one warning in the log.

Paths are never written into the code: what a server has is what fontconfig says it has.
"""

from __future__ import annotations

import bisect
import functools
import logging
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).resolve().parent / "fonts"
SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}  # what fpdf2 reads (TrueType and CFF outlines, collections)
MAX_DISCOVERED = 4  # fonts one print may take from the server: each is parsed for every PDF that needs it
FC_LIST_SECONDS = 20  # a first call on a cold font cache can take seconds
FC_FORMAT = "%{file}\\t%{index}\\t%{weight}\\t%{charset}\\n"
REGULAR_WEIGHT = 80  # fontconfig's FC_WEIGHT_REGULAR
_warned: set[str] = set()


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0  # the face of a collection (.ttc/.otc)
    ranges: tuple[tuple[int, int], ...] = ()  # code point ranges it covers, as fontconfig says; () unknown
    regular: bool = True

    def covers(self, char: str) -> bool:
        at = bisect.bisect_right(self.ranges, (ord(char), 0x10FFFF)) - 1
        return at >= 0 and self.ranges[at][0] <= ord(char) <= self.ranges[at][1]


def code_points(chars: str) -> str:
    """``"U+710A U+63A5"``: characters named in ASCII, for a log line or a response header."""
    return " ".join(f"U+{ord(c):04X}" for c in chars)


def warn_once(key: str, message: str, *args: object) -> None:
    """Log ``message`` the first time ``key`` is seen in this process: a print run of 240 labels, or the
    same missing font at every print, says it once."""
    if key in _warned:
        return
    if len(_warned) > 1000:  # bounded: a stream of different names cannot grow it without end
        _warned.clear()
    _warned.add(key)
    log.warning(message, *args)


def configured_font(entry: str) -> FontFile | None:
    """One ``SHOPDB_LABEL_FONTS`` entry: ``path`` or ``path#face``; None (and a warning) if it is no file."""
    path, _, face = entry.strip().rpartition("#") if "#" in entry else (entry.strip(), "", "0")
    if not face.isdigit() or not Path(path).is_file():
        warn_once(f"config:{entry}", "labels: SHOPDB_LABEL_FONTS names %r, which is not a font file (path[#face])",
                  entry)
        return None
    return FontFile(path, int(face))


def _charset(text: str) -> tuple[tuple[int, int], ...]:
    """fontconfig's ``%{charset}`` (``"20-7e a0-17f 192"``, hexadecimal) as sorted ranges."""
    ranges = []
    for part in text.split():
        low, _, high = part.partition("-")
        try:
            ranges.append((int(low, 16), int(high or low, 16)))
        except ValueError:
            continue
    return tuple(sorted(ranges))


def parse_fc_list(output: str) -> list[FontFile]:
    """``fc-list --format FC_FORMAT``'s lines as fonts fpdf2 can read (bitmap and Type 1 files left out)."""
    fonts = []
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or Path(parts[0]).suffix.lower() not in SUFFIXES or not parts[1].isdigit():
            continue
        weight = parts[2].strip()
        # A variable font says "[0 210]": its default face is the regular one.
        regular = not weight.isdigit() or int(weight) == REGULAR_WEIGHT
        fonts.append(FontFile(parts[0], int(parts[1]), _charset(parts[3]), regular))
    return fonts


@functools.cache
def installed_fonts() -> tuple[FontFile, ...]:
    """The server's scalable fonts with what they cover, from fontconfig; () without it."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        warn_once("fc-list", "labels: fc-list (fontconfig) is not installed, so no installed font draws what "
                             "DejaVu Sans lacks; set SHOPDB_LABEL_FONTS")
        return ()
    try:
        done = subprocess.run([fc_list, "--format", FC_FORMAT, ":outline=true"], capture_output=True, text=True,
                              timeout=FC_LIST_SECONDS, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        warn_once("fc-list", "labels: fc-list failed (%s), so no installed font is used; set SHOPDB_LABEL_FONTS",
                  error)
        return ()
    return tuple(parse_fc_list(done.stdout))


def choose(missing: Iterable[str], fonts: Sequence[FontFile], limit: int = MAX_DISCOVERED) -> list[FontFile]:
    """Fonts that together cover ``missing``: each time the one covering the most of what is left (a
    regular face, then the path, breaking ties, so the same server prints the same PDF), at most
    ``limit`` of them."""
    left, chosen = set(missing), []
    while left and len(chosen) < limit:
        candidates = [(sum(f.covers(c) for c in left), f) for f in fonts if f not in chosen]
        best = min(candidates, key=lambda pair: (-pair[0], not pair[1].regular, pair[1].path, pair[1].index),
                   default=None)
        if best is None or not best[0]:
            break
        chosen.append(best[1])
        left = {c for c in left if not best[1].covers(c)}
    return chosen


def fallbacks(missing: set[str], configured: Sequence[str] | None) -> Iterator[FontFile]:
    """The fonts to try, in order, for characters DejaVu Sans lacks: the configured ones (all of them:
    their coverage is known only once fpdf2 reads them), else those chosen from the installed fonts."""
    if configured is not None:
        for entry in configured:
            font = configured_font(entry)
            if font is not None:
                yield font
        return
    yield from choose(missing, installed_fonts())
