"""Plain-text normalization: small pure functions shared by extraction and the pipelines.

Every piece of text that reaches the store goes through :func:`normalize_text`, so
two fetches of the same article give byte-identical bodies (and equal hashes) no
matter how the page encoded entities, spaces or invisible marks.

ZWNJ (U+200C) policy: in Persian it separates the parts of one word
(``می‌خواهم``) and carries meaning, so it is kept when it sits between two
Arabic-script letters; anywhere else (English text, edges of words, next to
spaces or punctuation) it is an invisible leftover of copy-paste and is dropped,
like the other zero-width and bidi marks.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

# Zero-width and bidi controls that are never meaningful in stored text:
# U+200B ZWSP, U+200D ZWJ, U+200E/F LRM/RLM, U+202A-U+202E embeddings/overrides,
# U+2066-U+2069 isolates, U+FEFF BOM, U+2060 word joiner, U+00AD soft hyphen.
# ZWNJ (U+200C) is handled separately (see the module docstring).
_INVISIBLE_RE = re.compile("[\u200b\u200d\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u00ad]")
# C0 controls except \n (\t and \r become spaces/newlines before this runs), DEL, C1 controls.
_CONTROL_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# Arabic-script letters (Arabic, Arabic Supplement, Extended-A, presentation forms).
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc"
_ZWNJ_KEEP_RE = re.compile(f"(?<=[{_ARABIC}])\u200c(?=[{_ARABIC}])")
_ZWNJ_PLACEHOLDER = "\ue000"  # private-use char: cannot occur in real text we keep
# Every Unicode space separator (NBSP, thin space, ideographic space, ...) and tab.
_SPACES_RE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NL_RE = re.compile(r" *\n *")
_MULTI_NL_RE = re.compile(r"\n{2,}")
_PARAGRAPH_SPLIT_RE = re.compile(r"\n\s*\n")

# qTranslate / qTranslate-X language markers: "[:en]...[:fa]...[:]", "{:en}...{:}",
# and the old comment form "<!--:en-->...<!--:-->".
_QT_MARKER_RE = re.compile(
    r"\[:[a-z]{2}(?:_[A-Za-z]{2})?\]|\{:[a-z]{2}(?:_[A-Za-z]{2})?\}|<!--:[a-z]{2}-->"
)
_QT_EN_RE = re.compile(r"(?:\[:en\]|\{:en\}|<!--:en-->)(.*?)(?=\[:|\{:|<!--:|$)", re.DOTALL)
_QT_END_RE = re.compile(r"\[:\]|\{:\}|<!--:-->")

# A word: letters/digits joined by inner apostrophes, dots, hyphens, ZWNJ (Persian),
# or a thousands comma between digits ("40,000" is one word, "route, 40" two).
# Anything normalize_text() would change (besides outer spaces): controls, NBSP and other
# Unicode spaces, zero-width and bidi marks, soft hyphen, entities, double spaces.
# Most strings contain none of it, and one search is far cheaper than the full pipeline.
_NEEDS_WORK_RE = re.compile(
    "[\x00-\x1f\x7f-\xa0\u00ad\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff&"
    "\ud800-\udfff]|  "
)
# Lone surrogates: JSON's "\ud800" escapes decode to them, and no store can encode them
# (SQLite's UTF-8, PostgreSQL's text). A str never holds a valid pair, so any is lone.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")

# Mojibake: UTF-8 bytes shown as windows-1252 ("Iranâ€™s"), typically left by a database
# charset migration. Each byte 0x80-0xFF as windows-1252 shows it (the five bytes it leaves
# undefined become C1 controls, as browsers decode them).
_CP1252_BYTES = {
    bytes([b]).decode("cp1252", errors="ignore") or chr(b): b for b in range(0x80, 0x100)
}
_CONTINUATION = "".join(re.escape(c) for c, b in _CP1252_BYTES.items() if b < 0xC0)
# One leading character class, then the branch by lookbehind: `re` scans for a pattern's
# first character set in C, but tries every branch of a top-level alternation at every
# position (4-5x slower on a 140 KB page).
_MOJIBAKE_RE = re.compile(
    f"[\u00c2-\u00f4](?:(?<=[\u00c2-\u00df])[{_CONTINUATION}]"
    f"|(?<=[\u00e0-\u00ef])[{_CONTINUATION}]{{2}}"
    f"|(?<=[\u00f0-\u00f4])[{_CONTINUATION}]{{3}})"
)
# A right double quote (E2 80 9D) whose last byte, a C1 control, was already stripped.
_BROKEN_RDQUO_RE = re.compile("\u00e2\u20ac(?=\\s|$)")

_WORD_RE = re.compile("\\w+(?:(?:['’.\\-\u200c]|(?<=\\d),(?=\\d))\\w+)*")


def has_mojibake(value: str) -> bool:
    """Whether the text holds UTF-8 sequences shown as windows-1252 (``â€™``)."""
    return _MOJIBAKE_RE.search(value) is not None


def _undo_mojibake(match: re.Match[str]) -> str:
    raw = bytes(_CP1252_BYTES[c] if c in _CP1252_BYTES else ord(c) for c in match.group())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group()  # not a UTF-8 sequence after all: leave the text alone


def fix_mojibake(value: str) -> str:
    """Undo UTF-8 text that was decoded as windows-1252, sequence by sequence.

    Only complete, valid UTF-8 sequences are turned back, so genuine Latin-1 text
    (``café``) is never touched.
    """
    if _MOJIBAKE_RE.search(value) is None:
        return value
    fixed = _MOJIBAKE_RE.sub(_undo_mojibake, value)
    return _BROKEN_RDQUO_RE.sub("\u201d", fixed)


def has_surrogates(value: str) -> bool:
    """Whether the text holds lone surrogates (text that cannot be encoded as UTF-8)."""
    return _SURROGATE_RE.search(value) is not None


def valid_unicode(value: str) -> str:
    """The text with every lone surrogate replaced by U+FFFD, so it encodes as UTF-8."""
    return _SURROGATE_RE.sub("\ufffd", value)


# A JSON \\uD800-\\uDFFF escape that is not half of a pair (high then low): json.loads turns
# it into a lone surrogate. Replaced before parsing, where the page's text is still whole.
_LONE_SURROGATE_ESCAPE_RE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def repair_json_surrogates(json_text: str) -> tuple[str, int]:
    """JSON text with every lone-surrogate escape spelled ``\\ufffd``; and how many there were."""
    if "\\u" not in json_text:
        return json_text, 0
    return _LONE_SURROGATE_ESCAPE_RE.subn(lambda _: "\\ufffd", json_text)


def normalize_text(value: str) -> str:
    """Clean one piece of text: entities, mojibake, NFC, invisible marks, spaces.

    Newlines survive (single ones, trimmed of surrounding spaces); runs of other
    whitespace become one space; the result is stripped.
    """
    if not value:
        return ""
    if (
        _NEEDS_WORK_RE.search(value) is None
        and unicodedata.is_normalized("NFC", value)
        and _MOJIBAKE_RE.search(value) is None
    ):
        return value.strip()
    text = html.unescape(value) if "&" in value else value
    text = valid_unicode(text)  # first: NFC and the regexes below need encodable text
    text = fix_mojibake(text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u200c" in text:
        text = _ZWNJ_KEEP_RE.sub(_ZWNJ_PLACEHOLDER, text).replace("\u200c", "")
    text = _INVISIBLE_RE.sub("", text)
    text = _CONTROL_RE.sub(" ", text)
    text = _SPACES_RE.sub(" ", text)
    text = _SPACE_AROUND_NL_RE.sub("\n", text)
    text = _MULTI_NL_RE.sub("\n", text)
    return text.replace(_ZWNJ_PLACEHOLDER, "\u200c").strip()


def normalize_paragraphs(paragraphs: list[str]) -> str:
    """Join paragraphs into a body: each normalized, empties dropped, one blank line between.

    A paragraph never contains a blank line itself (inner line breaks stay single),
    so splitting the body on "\\n\\n" gives the paragraphs back.
    """
    cleaned = (normalize_text(p) for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def normalize_body(body: str) -> str:
    """Re-normalize an already joined body (idempotent)."""
    return normalize_paragraphs(_PARAGRAPH_SPLIT_RE.split(body))


def clean_title(value: str) -> str:
    """Normalize a title and cut qTranslate leftovers.

    Keeps the ``[:en]`` segment when there is one, else the text before the first
    language marker; stray closing markers (``[:]``) are removed.
    """
    if not value:
        return ""
    text = value
    if _QT_MARKER_RE.search(text):
        english = _QT_EN_RE.search(text)
        if english and english.group(1).strip():
            text = english.group(1)
        else:
            text = _QT_MARKER_RE.split(text, maxsplit=1)[0]
    text = _QT_END_RE.sub("", text)
    # A title is one line: inner line breaks are layout, not content.
    return normalize_text(text).replace("\n", " ")


def word_count(body: str) -> int:
    """Number of words in a body (see ``_WORD_RE``)."""
    return len(_WORD_RE.findall(body))


def content_hash(body: str) -> str:
    """sha256 hex digest of the normalized body: equal text, equal hash."""
    return hashlib.sha256(normalize_body(body).encode("utf-8")).hexdigest()
