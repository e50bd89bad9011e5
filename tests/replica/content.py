"""The replica's deterministic content model: posts, taxonomy, authors and the manifest.

``build_site(articles, seed, add, edit, ...)`` builds only metadata (titles, dates,
slugs, taxonomy, link plans), which is cheap enough for 20,000 posts in a second or
two; article bodies are generated lazily from a per-post RNG and cached.

Determinism: every random choice comes from ``random.Random`` seeded with a string
naming the seed and the post (``"7:syn:42"``), never from global state, so the same
arguments give byte-identical sites, and ``add``/``edit`` only append posts or touch
the chosen ones: ``--articles N`` and ``--articles N --add A --edit E`` are the same
site plus those changes.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from importlib import resources
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tests.replica import vocab

TEHRAN = ZoneInfo("Asia/Tehran")
SITE_NAME = "IFP News"
PER_PAGE = 10

Theme = Literal["tagdiv", "wp", "wp-classic"]
THEMES: tuple[Theme, ...] = ("tagdiv", "wp", "wp-classic")
Status = Literal["publish", "protected", "private"]

# Synthetic posts spread over this span; the six real "Recent Posts" of the seed file
# follow it, and --add posts come after those.
TIMELINE_START = datetime(2016, 1, 10, 9, 0, tzinfo=TEHRAN)
TIMELINE_END = datetime(2025, 3, 14, 20, 0, tzinfo=TEHRAN)
ADD_START = datetime(2025, 3, 17, 9, 0, tzinfo=TEHRAN)
# Old posts were published before the permalink structure gained its trailing slash.
SLASH_SINCE = datetime(2019, 1, 1, tzinfo=TEHRAN)
SENTENCE_CASE_SINCE = 2021

EDITORIAL_BIO = (
    "The IFP Editorial Staff is composed of dozens of skilled journalists, news-writers, and "
    "analysts whose works are edited and published by experienced editors specialized in Iran "
    "News. The editor of each IFP Service is responsible for the report published by the Iran "
    "Front Page (IFP) news website, and can be contacted through the ways mentioned in the "
    '"IFP Editorial Staff" section.'
)

RESERVED_SLUGS = frozenset(
    {
        "amp",
        "author",
        "category",
        "tag",
        "page",
        "feed",
        "wp-json",
        "wp-admin",
        "wp-content",
        "wp-includes",
        "iran-news",
        "all-stories",
        "about-us",
        "contact-us",
        "__replica",
        "comments",
        "search",
    }
)


@dataclass(frozen=True)
class Category:
    path: str  # "news/politics"
    name: str  # display name, "Politics"
    term_id: int

    @property
    def slug(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent_path(self) -> str | None:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else None

    @property
    def url_path(self) -> str:
        return f"/category/{self.path}/"


@dataclass(frozen=True)
class Tag:
    slug: str  # case as authored: "Football"
    name: str
    term_id: int

    @property
    def url_path(self) -> str:
        return f"/tag/{self.slug}/"


@dataclass(frozen=True)
class Author:
    user_id: int
    nicename: str
    name: str
    bio: str

    @property
    def url_path(self) -> str:
        return f"/author/{self.nicename}/"


@dataclass(frozen=True)
class BodyLink:
    """A planned in-body link: on-site (target post index) or off-site (url)."""

    anchor: str
    target: int | None = None  # index into Site.posts
    url: str | None = None  # off-site absolute URL
    variant: str = "canonical"  # how the href spells an on-site target (see Site.href)


Segment = str | BodyLink
Paragraph = tuple[Segment, ...]


@dataclass(eq=False)
class Post:
    """One WordPress post (published article, password-protected or private)."""

    key: str  # RNG key, stable across --add/--edit
    topic: str
    title: str  # clean title, what a perfect extractor returns
    published: datetime
    author: Author
    categories: list[Category]  # primary first
    tags: list[Tag]
    raw_title: str = ""  # as rendered (qTranslate leftovers); defaults to title
    slug_hint: str = ""
    subtitle: str | None = None
    status: Status = "publish"
    lead: str | None = None  # fixed first paragraph
    fixed_body: list[str] | None = None  # a verbatim body (the seed article)
    words: int = 400
    paras: int = 8
    custom_summary: bool = False
    extra_text: str | None = None  # text injected into the third paragraph (spam quirk)
    duplicate_source: Post | None = None
    has_image: bool = True
    has_caption: bool = False
    has_attachment: bool = False
    renamed: bool = False
    added: bool = False
    # --- set by the builder ---
    index: int = -1
    wp_id: int = 0
    slug: str = ""
    slash: bool = True
    old_slugs: list[str] = field(default_factory=list)
    modified: datetime | None = None
    edited: bool = False
    related: list[int] = field(default_factory=list)
    link_plan: list[BodyLink] = field(default_factory=list)
    summary: str = ""

    @property
    def path(self) -> str:
        return f"/{self.slug}/" if self.slash else f"/{self.slug}"

    @property
    def amp_path(self) -> str:
        return f"/{self.slug}/amp"

    @property
    def section(self) -> str:
        return self.categories[0].name

    @property
    def modified_at(self) -> datetime:
        return self.modified or self.published

    @cached_property
    def image_path(self) -> str | None:
        if not self.has_image:
            return None
        stem = "-".join(self.slug.split("-")[:5])
        return f"/wp-content/uploads/{self.published:%Y/%m}/{stem}-696x464.jpg"

    @property
    def attachment_path(self) -> str | None:
        if not (self.has_attachment and self.has_image):
            return None
        return f"/{self.slug}/attachment/{'-'.join(self.slug.split('-')[:3])}-photo/"

    @property
    def caption(self) -> str | None:
        if not (self.has_image and self.has_caption):
            return None
        return f"File photo: {self.title.split(':')[0]} (IFP archive)"

    @property
    def listed(self) -> bool:
        return self.status != "private"


# --------------------------------------------------------------------------- text helpers


def slugify(text: str, max_words: int = 8) -> str:
    """WordPress-like slug, shortened the way IFP editors shorten them (small words out)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower().replace("’", "").replace("'", ""))
    kept = [w for w in words if w not in vocab.SMALL_WORDS] or words
    return "-".join(kept[:max_words]) or "post"


def title_case(text: str) -> str:
    """Headline case as IFP used it until 2020 (small words stay lower)."""
    out = []
    for i, word in enumerate(text.split(" ")):
        lead = len(word) - len(word.lstrip("‘“(\"'"))
        head, core = word[:lead], word[lead:]
        if core and (i == 0 or core.lower() not in vocab.SMALL_WORDS):
            core = core[0].upper() + core[1:]
        out.append(head + core)
    return " ".join(out)


_SPACE_RUNS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFC, single spaces, trimmed (what the manifest promises for every paragraph)."""
    if (
        "  " not in text
        and "\n" not in text
        and "\t" not in text
        and "\xa0" not in text
        and unicodedata.is_normalized("NFC", text)
    ):
        return text.strip()  # fast path: generated prose is already clean
    return _SPACE_RUNS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def segment_text(segment: Segment) -> str:
    return segment if isinstance(segment, str) else segment.anchor


def paragraph_text(paragraph: Paragraph) -> str:
    return normalize_text("".join(segment_text(s) for s in paragraph))


def words_excerpt(text: str, words: int, more: str) -> str:
    """WordPress/tagDiv word-trimmed excerpt: first N words + the 'more' mark if cut."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + more


def office(name: str, year: int) -> str:
    for until, holder in vocab.OFFICES[name]:
        if year <= until:
            return holder
    return vocab.OFFICES[name][-1][1]


def _tehran(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


SLOT_POOLS: dict[str, list[str]] = {
    "rival": vocab.RIVALS,
    "country": vocab.COUNTRIES,
    "country2": vocab.COUNTRIES,
    "city": vocab.PLACES,
    "city2": vocab.PLACES,
    "place": vocab.PLACES,
    "province": vocab.PROVINCES,
    "issue": vocab.ISSUES,
    "econ": vocab.ECONOMY_ITEMS,
    "soc": vocab.SOCIETY_ITEMS,
    "mp": vocab.MPS,
    "analyst": vocab.ANALYSTS,
    "official": vocab.OFFICIALS,
    "group": vocab.GROUPS,
    "team": vocab.SPORTS_TEAMS,
    "team2": vocab.SPORTS_TEAMS,
    "sport": vocab.SPORTS,
    "event": vocab.EVENTS,
    "athlete": vocab.SPORTS_PEOPLE,
    "artist": vocab.ARTISTS,
    "festival": vocab.FESTIVALS,
    "adj": vocab.ADJECTIVES,
    "quote": vocab.QUOTES,
    "paper": vocab.NEWSPAPERS,
}
SLOT_NUMBERS: dict[str, tuple[int, int]] = {
    "n": (12, 950),
    "k": (2, 40),
    "k2": (1, 15),
    "pct": (2, 68),
    "age": (58, 92),
}


@functools.cache
def _claims(topic: str) -> list[str]:
    return vocab.CLAIMS.get(topic, vocab.CLAIMS["politics"]) + vocab.CLAIMS["general"]


@functools.lru_cache(maxsize=4096)
def _parsed_template(template: str) -> tuple[str, ...]:
    return tuple(Filler._SLOT.split(template))


class Filler:
    """Fills ``{slot}`` templates for one post; the era decides office holders."""

    _SLOT = re.compile(r"\{(\w+)\}")

    def __init__(self, rng: random.Random, when: datetime) -> None:
        self.rng = rng
        self.year = when.year
        self.weekday = when.strftime("%A")

    def value(self, slot: str) -> str:
        rng = self.rng
        if slot.endswith("_s"):
            holder = office(slot[:-2], self.year)
            return rng.choice(vocab.SPELLINGS.get(holder, (holder,)))
        pool = SLOT_POOLS.get(slot)
        if pool is not None:
            return pool[int(rng.random() * len(pool))]  # choice() is 3x slower
        bounds = SLOT_NUMBERS.get(slot)
        if bounds is not None:
            low, high = bounds
            return str(low + int(rng.random() * (high - low + 1)))
        if slot == "mag":
            return f"{rng.randint(40, 64) / 10:.1f}"
        if slot == "weekday":
            return self.weekday
        raise KeyError(slot)

    def expand(self, template: str) -> str:
        """The template with its slots filled."""
        pieces = _parsed_template(template)
        if len(pieces) == 1:
            return template
        # Odd positions are slot names, even ones literal text (re.split with a group).
        return "".join(self.value(piece) if i % 2 else piece for i, piece in enumerate(pieces))

    def fill(self, template: str) -> str:
        """expand(), capitalized: a sentence or title start."""
        text = self.expand(template)
        return text[0].upper() + text[1:] if text else text

    def composed(self, topic: str) -> str:
        """speaker + verb + claim + tail: a sentence from a very large space."""
        pick, expand = self.pick, self.expand
        # Parts are filled one by one so the parsed-template cache sees only the pools'
        # own strings, not thousands of unique concatenations.
        return (
            f"{self.fill(pick(vocab.SPEAKERS))} {expand(pick(vocab.VERBS))} "
            f"{expand(pick(_claims(topic)))}{expand(pick(vocab.TAILS))}."
        )

    def pick(self, seq: Sequence[str]) -> str:
        return seq[int(self.rng.random() * len(seq))]


class SentenceDeck:
    """Draws template sentences without replacement (reshuffling when exhausted), mixed
    with composed ones, so one article rarely repeats itself."""

    def __init__(self, filler: Filler, topic: str) -> None:
        self.filler = filler
        self.topic = topic
        self.templates = vocab.SENTENCES[_pool(topic)] + vocab.SENTENCES["general"]
        self._deck: list[str] = []

    def next(self) -> str:
        rng = self.filler.rng
        if rng.random() < 0.55:
            return self.filler.composed(_pool(self.topic))
        if not self._deck:
            self._deck = list(self.templates)
            rng.shuffle(self._deck)
        return self.filler.fill(self._deck.pop())


# --------------------------------------------------------------------------- fixed posts


def seed_article_text() -> list[str]:
    """The verbatim seed article (data/seed-article.txt): label, title, body paragraphs."""
    raw = resources.files("tests.replica").joinpath("data/seed-article.txt").read_text("utf-8")
    return [normalize_text(p) for p in raw.split("\n\n") if p.strip()]


SEED_TITLE = "Putin in meeting with Raisi: NATO threats beyond Europe"

# The six "Recent Posts" of the seed page, newest first: (title, lead, topic, when).
RECENT_POSTS = [
    (
        "‘Putin lying to everyone’: Zelensky calls for ‘strong pressure’ on Russia",
        "Ukrainian President Volodymyr Zelensky has urged an international coalition to "
        "intensify pressure on Moscow and accused Russian President Vladimir Putin of stalling "
        "on a ceasefire.",
        "world",
        _tehran(2025, 3, 16, 13, 15),
    ),
    (
        "Israel kills over 150 Palestinians in Gaza since ceasefire: Report",
        "More than 150 Palestinians have been killed by Israel since the ceasefire accord took "
        "effect in the Gaza Strip in January, according to the enclave’s health authorities.",
        "world",
        _tehran(2025, 3, 16, 11, 50),
    ),
    (
        "Iranian company develops affordable brain surgery navigation system",
        "An Iranian knowledge-based company has successfully developed a domestically-produced "
        "neurosurgical navigation system that assists surgeons in locating tumours during brain "
        "operations.",
        "society",
        _tehran(2025, 3, 16, 11, 35),
    ),
    (
        "Tehran faces severe water crisis as reservoir levels plummet",
        "Tehran residents are being urged to prepare for a severe water crisis as reservoir levels "
        "at the dams supplying the capital fall to their lowest point in decades.",
        "society",
        _tehran(2025, 3, 16, 11, 10),
    ),
    (
        "American protesters demand release of Palestinian activist Mahmoud Khalil",
        "Demonstrators gathered Saturday outside US Immigration and Customs Enforcement (ICE) "
        "headquarters in Washington, DC to demand the release of Palestinian activist Mahmoud "
        "Khalil.",
        "world",
        _tehran(2025, 3, 16, 10, 5),
    ),
    (
        "Italy says does not plan to send peacekeepers to Ukraine",
        "Rome does not plan to participate in a peacekeeping force on the ground in eastern "
        "Ukraine, Italian Foreign Minister Antonio Tajani said on Saturday.",
        "world",
        _tehran(2025, 3, 16, 9, 10),
    ),
]


@dataclass(frozen=True)
class FixedPost:
    """A hand-written post: the seed article, the real samples and the quirk carriers."""

    name: str
    title: str
    topic: str
    when: datetime
    lead: str | None = None
    slug: str | None = None
    raw_title: str | None = None
    paras: int = 0
    label: str | None = None  # primary category path when it is a label category
    author: str | None = None
    extra_text: str | None = None
    renamed_from: str | None = None
    duplicate_of: str | None = None  # name of another FixedPost


FIXED_POSTS: list[FixedPost] = [
    FixedPost(
        "seed",
        SEED_TITLE,
        "diplomacy",
        _tehran(2022, 9, 15, 14, 30),
        slug="putin-in-meeting-with-raisi-nato-threats-beyond-europe",
        label="ifp-exclusive",
        author="ifp-editorial-staff",
    ),
    *(
        FixedPost(f"recent{i}", title, topic, when, lead=lead, paras=6, label="media-wire")
        for i, (title, lead, topic, when) in enumerate(RECENT_POSTS)
    ),
    FixedPost(
        "persepolis",
        "Persepolis Beats Arch-Rival Esteghlal in Tehran Derby",
        "sports",
        _tehran(2018, 3, 1, 19, 40),
        lead="Persepolis defeated its arch-rival Esteghlal football team thanks to a goal from "
        "Ali Alipour on Thursday.",
        slug="persepolis-beat-esteghlal-derby",
    ),
    FixedPost(
        "bbc",
        "Iran Denies Permitting BBC to Have Correspondent in Tehran",
        "politics",
        _tehran(2017, 5, 11, 12, 20),
        lead="An Iranian official says the reports of an agreement between Iran and the BBC on "
        "the work of a permanent correspondent in the country are not true.",
        slug="iran-denies-permitting-bbc-to-have-correspondent-in-tehran",
    ),
    FixedPost(
        "pezeshkian",
        "Iran Leader endorses new President Pezeshkian, slams Israel’s criminality",
        "politics",
        _tehran(2024, 7, 28, 11, 45),
        lead="The Leader of Iran’s Islamic Revolution Ayatollah Seyyed Ali Khamenei formally "
        "endorsed Massoud Pezeshkian as the country's ninth president on Sunday, and slammed "
        "the Israeli regime for its criminality in Gaza.",
        slug="iran-leader-president-pezeshkian-israels-criminality",
        label="featured-news",
    ),
    FixedPost(
        "frontpages",
        "A Look at Iranian Newspaper Front Pages on March 15",
        "front-pages",
        _tehran(2017, 3, 15, 9, 30),
        lead="IFP has taken a look at the front pages of Iranian newspapers on Wednesday and "
        "picked headlines from 15 of them.",
        slug="iranian-newspaper-front-pages-march-15",
    ),
    FixedPost(
        "frontpages2",
        "A Look at Iranian Newspaper Front Pages on March 15",
        "front-pages",
        _tehran(2018, 3, 15, 9, 20),
    ),
    FixedPost(
        "frontpages3",
        "A Look at Iranian Newspaper Front Pages on March 15",
        "front-pages",
        _tehran(2020, 3, 15, 9, 25),
    ),
    FixedPost(
        "larijani",
        "Larijani Re-Elected as Speaker of Iran’s Parliament",
        "politics",
        _tehran(2016, 5, 29, 13, 5),
        renamed_from="larijani-reelected-parliament-speaker",
    ),
    FixedPost(
        "airdrill",
        "Iran Kicks Off Large-Scale Air Defence Drill",
        "world",
        _tehran(2019, 11, 5, 10, 0),
        paras=12,
    ),
    FixedPost(
        "airdrill-copy",
        "Iran Kicks Off Large-Scale Air Defence Drill",
        "world",
        _tehran(2019, 11, 9, 16, 40),
        duplicate_of="airdrill",
    ),
    FixedPost(
        "qtranslate-fa",
        "Danish Members of ISIS Still Receiving Welfare Payments",
        "world",
        _tehran(2016, 3, 2, 15, 0),
        raw_title="Danish Members of ISIS Still Receiving Welfare Payments[:fa]Danish Members "
        "of ISIS Still Receiving Welfare Payments[:]",
    ),
    FixedPost(
        "qtranslate-es",
        "Iranian MP Meets Spanish Parliamentary Delegation",
        "politics",
        _tehran(2016, 4, 19, 11, 30),
        raw_title="[:en]Iranian MP Meets Spanish Parliamentary Delegation[:es]Parlamentario "
        "iraní se reúne con delegación española[:]",
    ),
    FixedPost(
        "spam",
        "Iranian Movie Wins Top Prize at Fajr Film Festival (+Video)",
        "culture",
        _tehran(2019, 2, 12, 18, 0),
        paras=7,
        extra_text="The film was later made available for streaming online at the end of the "
        "123movies.",
    ),
    FixedPost(
        "suvs",
        "Iranian MP: 300 SUVs given to lawmakers in ‘criminal, fraudulent’ move",
        "politics",
        _tehran(2023, 10, 3, 12, 0),
    ),
    FixedPost("covid", "Covid cases hit new high in Iran", "society", _tehran(2021, 8, 10, 14, 0)),
    FixedPost(
        "flight",
        "Historic all-Women flight lands in Mashhad",
        "society",
        _tehran(2022, 3, 8, 10, 30),
    ),
    FixedPost(
        "cyberpolice",
        "Tehran Cyber Police shut down 40 Instagram accounts of harassers",
        "society",
        _tehran(2021, 4, 20, 9, 45),
    ),
]

# Non-articles with a post row: shown in listings (protected) or not at all (private).
PROTECTED_POST = (
    "Exclusive interview with a former nuclear negotiator",
    _tehran(2020, 6, 2, 12, 0),
)
PRIVATE_POST = ("Draft: cabinet reshuffle list", _tehran(2023, 1, 11, 10, 0))
PRIVATE_SLUG = "draft-cabinet-reshuffle-list"

STATIC_PAGES = {
    "about-us": (
        "About Us",
        [
            "Iran Front Page (IFP) is an independent news website covering Iran’s politics, "
            "economy, society and culture in English.",
            "IFP was launched in 2015 by a team of journalists based in Tehran.",
        ],
    ),
    "contact-us": (
        "Contact Us",
        [
            "You can reach the IFP newsroom by email at info@ifpnews.com.",
            "For advertising enquiries please use the form below.",
        ],
    ),
}


# --------------------------------------------------------------------------- taxonomy

CATEGORY_DEFS: list[tuple[str, str]] = [
    ("news", "News"),
    ("news/politics", "Politics"),
    ("news/politics/parliaments", "Parliaments"),
    ("news/diplomacy", "Diplomacy"),
    ("news/economy", "Economy"),
    ("news/society", "Society"),
    ("news/sports", "Sports"),
    ("news/cultures", "Cultures"),
    ("news/cultures/cinema", "Cinema"),
    ("news/world", "World"),
    ("news/world/middle-east", "Middle East"),
    ("views", "Views"),
    ("wired", "Wired"),
    ("war", "War"),
    ("front-pages", "Front Pages"),
    ("ifp-exclusive", "IFP Exclusive"),
    ("featured-news", "Featured News"),
    ("media-wire", "Media Wire"),
]
LABEL_CATEGORIES = ("ifp-exclusive", "featured-news", "media-wire")
TOPIC_CATEGORIES: dict[str, list[str]] = {
    "politics": ["news/politics", "news/politics", "news/politics/parliaments"],
    "diplomacy": ["news/diplomacy"],
    "economy": ["news/economy"],
    "society": ["news/society", "news/society", "wired"],
    "sports": ["news/sports"],
    "culture": ["news/cultures", "news/cultures/cinema"],
    "world": ["news/world/middle-east", "news/world/middle-east", "news/world", "war"],
    "views": ["views"],
    "front-pages": ["front-pages"],
}
TOPIC_WEIGHTS = [
    ("politics", 22),
    ("diplomacy", 14),
    ("economy", 13),
    ("society", 12),
    ("sports", 8),
    ("culture", 6),
    ("world", 14),
    ("views", 4),
    ("front-pages", 7),
]
AUTHOR_DEFS = [
    ("ifp-editorial-staff", "IFP Editorial Staff", EDITORIAL_BIO),
    (
        "ifp-media-wire",
        "IFP Media Wire",
        "IFP Media Wire republishes reports from news agencies and other media outlets.",
    ),
    ("faskarieh", "IFP Editor", "IFP Editor reviews and publishes reports of the IFP newsroom."),
    ("mbahrami", "Mohammad Ali Bahrami", "Mohammad Ali Bahrami covers Iran’s economy for IFP."),
    ("smasoumi", "Sara Masoumi", "Sara Masoumi writes about society and the environment."),
    ("hvafaei", "Hamed Vafaei", "Hamed Vafaei is IFP’s diplomatic correspondent."),
]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for name, weight in pairs:
        pick -= weight
        if pick <= 0:
            return name
    return pairs[-1][0]


# --------------------------------------------------------------------------- the site


class Site:
    """Everything the replica serves, and the manifest that describes it."""

    def __init__(
        self,
        articles: int = 500,
        seed: int = 0,
        add: int = 0,
        edit: int = 0,
        theme: Theme = "tagdiv",
        sitemap: bool = True,
        rest: bool = True,
    ) -> None:
        if articles < 1:
            raise ValueError("articles must be >= 1")
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; use one of {', '.join(THEMES)}")
        self.n_articles = articles
        self.seed = seed
        self.n_add = add
        self.n_edit = edit
        self.theme: Theme = theme
        self.sitemap = sitemap
        self.rest = rest
        self.categories = {
            path: Category(path, name, 2 + i) for i, (path, name) in enumerate(CATEGORY_DEFS)
        }
        self.authors = {
            nice: Author(1 + i, nice, name, bio) for i, (nice, name, bio) in enumerate(AUTHOR_DEFS)
        }
        self.tags: dict[str, Tag] = {}
        for topic_tags in vocab.TAGS.values():
            for slug, name in topic_tags:
                self.tags.setdefault(slug, Tag(slug, name, 100 + len(self.tags)))
        self.posts: list[Post] = []
        self.by_slug: dict[str, Post] = {}
        self.old_slugs: dict[str, Post] = {}
        self._bodies: dict[int, list[Paragraph]] = {}
        self._texts: dict[int, str] = {}
        self._build()

    # ------------------------------------------------------------------ building

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def _build(self) -> None:
        fixed = FIXED_POSTS[: self.n_articles]
        names = {f.name for f in fixed}
        fixed = [f for f in fixed if f.duplicate_of is None or f.duplicate_of in names]
        n_synthetic = self.n_articles - len(fixed)
        base: list[Post] = [self._fixed_post(f) for f in fixed]
        base += [self._synthetic_post(i, n_synthetic) for i in range(n_synthetic)]
        base += self._non_article_posts()
        sources = {f.name: p for f, p in zip(fixed, base, strict=False)}
        for f, post in zip(fixed, base, strict=False):
            if f.duplicate_of:
                post.duplicate_source = sources[f.duplicate_of]
        base.sort(key=lambda p: (p.published, p.key))
        self._index(base, first_id=1000)
        n_base = len(self.posts)
        added = [self._synthetic_post(j, 0, added=True) for j in range(self.n_add)]
        if added:
            self._index(added, first_id=self.posts[-1].wp_id + 37)
        self._plan_links(n_base)
        self._apply_edits(n_base)
        self.articles = [p for p in self.posts if p.status == "publish"]
        self.listed = [p for p in self.posts if p.listed]
        self.newest = self.listed[::-1]

    def _fixed_post(self, f: FixedPost) -> Post:
        rng = self._rng("fixed", f.name)
        author_nice = f.author or ("ifp-media-wire" if f.label == "media-wire" else None)
        author = self.authors[author_nice] if author_nice else self._pick_author(rng)
        categories, tags = self._taxonomy(rng, f.topic, f.label)
        post = Post(
            key=f"fixed:{f.name}",
            topic=f.topic,
            title=f.title,
            raw_title=f.raw_title or f.title,
            published=f.when,
            author=author,
            categories=categories,
            tags=tags,
            slug_hint=f.slug or "",
            lead=f.lead,
            extra_text=f.extra_text,
            renamed=f.renamed_from is not None,
            has_caption=rng.random() < 0.5,
        )
        if f.name == "seed":
            paragraphs = seed_article_text()
            post.fixed_body = paragraphs[2 : paragraphs.index("IFP Editorial Staff")]
            post.tags = [self.tags[s] for s in ("nato", "iran-russia", "ebrahim-raisi")]
            post.has_caption = True
        elif f.topic == "front-pages":
            self._front_page_shape(rng, post)
        else:
            post.paras = f.paras or rng.randint(4, 12)
            post.words = post.paras * rng.randint(35, 60)
        if f.renamed_from:
            post.old_slugs.append(f.renamed_from)
        return post

    def _synthetic_post(self, i: int, total: int, added: bool = False) -> Post:
        key = f"add:{i}" if added else f"syn:{i}"
        rng = self._rng(key)
        if added:
            when = ADD_START + timedelta(minutes=95 * i + rng.randint(0, 40))
        else:
            span = (TIMELINE_END - TIMELINE_START).total_seconds()
            offset = span * (i + rng.random()) / max(total, 1)
            when = (TIMELINE_START + timedelta(seconds=offset)).astimezone(TEHRAN)
            if when.hour < 8 or when.hour > 22:
                when = when.replace(hour=rng.randint(8, 21))
            when = when.replace(second=0, microsecond=0)
        topic = _weighted(rng, TOPIC_WEIGHTS)
        label = None
        if topic not in ("front-pages", "views") and rng.random() < 0.14:
            label = rng.choice(LABEL_CATEGORIES)
        categories, tags = self._taxonomy(rng, topic, label)
        author = self.authors["ifp-media-wire"] if label == "media-wire" else self._pick_author(rng)
        post = Post(
            key=key,
            topic=topic,
            title="",
            published=when,
            author=author,
            categories=categories,
            tags=tags,
            added=added,
            has_image=rng.random() < 0.95,
            has_caption=rng.random() < 0.45,
            has_attachment=rng.random() < 0.02,
            renamed=rng.random() < 0.012,
            custom_summary=rng.random() < 0.25,
        )
        if topic == "front-pages":
            post.title = f"A Look at Iranian Newspaper Front Pages on {when:%B} {when.day}"
            self._front_page_shape(rng, post)
        else:
            filler = Filler(rng, when)
            if topic in ("politics", "diplomacy", "economy", "society") and rng.random() < 0.4:
                speaker = filler.fill(rng.choice(vocab.TITLE_SPEAKERS))
                title = f"{speaker}: {filler.fill(rng.choice(vocab.TITLE_HEADLINES))}"
            else:
                templates = vocab.TITLES[topic if topic != "views" else "politics"]
                title = filler.fill(rng.choice(templates))
            if topic == "views":
                title = f"Analysis: {title[0].lower()}{title[1:]}" if rng.random() < 0.5 else title
            suffix = rng.random()
            if suffix < 0.03:
                title += " (+Video)"
            elif suffix < 0.05:
                title += " (PHOTOS)"
            post.title = title_case(title) if when.year < SENTENCE_CASE_SINCE else title
            # Lengths skew short, as news does: most 200-600 words, a few long reads.
            post.words = int(min(1500, max(150, rng.lognormvariate(5.9, 0.55))))
            post.paras = max(3, min(25, round(post.words / rng.uniform(35, 60))))
        post.raw_title = post.title
        return post

    def _front_page_shape(self, rng: random.Random, post: Post) -> None:
        post.paras = rng.randint(7, 16)
        post.words = post.paras * 30
        if rng.random() < 0.3:
            stale = post.published - timedelta(days=rng.randint(20, 300))
            post.subtitle = f"A Look at Iranian Newspaper Front Pages on {stale:%B} {stale.day}"

    def _non_article_posts(self) -> list[Post]:
        rng = self._rng("nonarticles")
        made = []
        for status, (title, when) in (("protected", PROTECTED_POST), ("private", PRIVATE_POST)):
            categories, tags = self._taxonomy(rng, "politics", None)
            made.append(
                Post(
                    key=f"status:{status}",
                    topic="politics",
                    title=title,
                    raw_title=title,
                    published=when,
                    author=self.authors["ifp-editorial-staff"],
                    categories=categories,
                    tags=tags,
                    status=status,  # type: ignore[arg-type]
                    slug_hint=PRIVATE_SLUG if status == "private" else "",
                    has_image=False,
                )
            )
        return made

    def _pick_author(self, rng: random.Random) -> Author:
        nice = _weighted(
            rng,
            [
                ("ifp-editorial-staff", 60),
                ("faskarieh", 15),
                ("ifp-media-wire", 10),
                ("mbahrami", 5),
                ("smasoumi", 5),
                ("hvafaei", 5),
            ],
        )
        return self.authors[nice]

    def _taxonomy(
        self, rng: random.Random, topic: str, label: str | None
    ) -> tuple[list[Category], list[Tag]]:
        topical = self.categories[rng.choice(TOPIC_CATEGORIES[topic])]
        categories = [self.categories[label], topical] if label else [topical]
        # WordPress attaches a tag once: the pools overlap ("JCPOA"), so de-duplicate.
        pool = list(dict.fromkeys(vocab.TAGS[topic] + vocab.TAGS["diplomacy"][:3]))
        tags = [self.tags[slug] for slug, _ in rng.sample(pool, rng.randint(1, 5))]
        return categories, tags

    def _index(self, posts: list[Post], first_id: int) -> None:
        wp_id = first_id
        for post in posts:
            rng = self._rng(post.key, "index")
            post.index = len(self.posts)
            # WordPress ids grow with time but skip numbers (revisions, attachments).
            wp_id += rng.randint(2, 9)
            post.wp_id = wp_id
            post.slash = post.published >= SLASH_SINCE
            post.slug = self._unique_slug(post.slug_hint or self._slug_base(post))
            post.modified = (
                post.published
                if rng.random() < 0.5
                else post.published + timedelta(minutes=rng.randint(5, 4000))
            )
            if post.renamed and not post.old_slugs:
                post.old_slugs.append(f"{post.slug.rsplit('-', 1)[0]}-{post.published.year}")
            for old in post.old_slugs:
                if old not in self.by_slug and old not in self.old_slugs:
                    self.old_slugs[old] = post
            self.posts.append(post)
            self.by_slug[post.slug] = post

    def _slug_base(self, post: Post) -> str:
        if post.topic == "front-pages":
            return f"iranian-newspaper-front-pages-{post.published:%B}-{post.published.day}".lower()
        return slugify(post.title)

    def _unique_slug(self, base: str) -> str:
        slug, n = base, 1
        while slug in self.by_slug or slug in self.old_slugs or slug in RESERVED_SLUGS:
            n += 1
            slug = f"{base}-{n}"
        return slug

    def _plan_links(self, n_base: int) -> None:
        """Related posts and in-body links; base posts only point at base posts."""
        by_category: dict[str, list[int]] = {}
        for post in self.posts[:n_base]:
            if post.status == "publish":
                by_category.setdefault(post.categories[-1].path, []).append(post.index)
        publish_base = [p.index for p in self.posts[:n_base] if p.status == "publish"]
        private = next((p for p in self.posts if p.status == "private"), None)
        for post in self.posts:
            if post.status != "publish":
                continue
            rng = self._rng(post.key, "links")
            pool = by_category.get(post.categories[-1].path, [])
            if len(pool) < 6:
                pool = publish_base
            # Neighbours in the category (by time), as tagDiv's related block shows.
            here = len(pool) if post.added else bisect.bisect_left(pool, post.index)
            tail = [i for i in pool[max(0, here - 15) : here + 16] if i != post.index]
            post.related = rng.sample(tail, min(len(tail), rng.randint(3, 5)))
            if post.duplicate_source is not None:
                post.link_plan = list(post.duplicate_source.link_plan)
                continue
            if post.fixed_body is not None:
                continue
            older = [i for i in publish_base if i < post.index] if post.index < 64 else None
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                post.link_plan.append(self._plan_one_link(rng, post, older))
            if private is not None and post.key == "syn:3":
                post.link_plan.append(BodyLink("a draft report", url=None, target=private.index))
        if private is not None:
            # The private post's URL answers 404; only the one link above points at it.
            private.related = []

    def _plan_one_link(self, rng: random.Random, post: Post, older: list[int] | None) -> BodyLink:
        if rng.random() < 0.3 or post.index == 0:
            url, name = rng.choice(vocab.EXTERNAL_SITES)
            if url.startswith("https://twitter.com/"):
                url += f"{rng.choice(['IRIMFA_EN', 'khamenei_ir', 'araghchi'])}/status/"
                url += str(rng.randint(10**17, 10**18))
            else:
                url += f"{slugify(post.title, 6)}-{post.published:%Y-%m-%d}/"
            return BodyLink(name, url=url)
        while True:
            # Only older posts: a story links back to earlier coverage.
            if older is not None:
                if not older:
                    return BodyLink("IRNA", url="https://en.irna.ir/")
                target = self.posts[rng.choice(older)]
            else:
                target = self.posts[rng.randrange(0, post.index)]
            if target.status == "publish":
                break
        variants = ["canonical", "https", "relative", "amp", "amp_query", "utm", "other_slash"]
        variant = rng.choice([*variants, "old_slug"] if target.old_slugs else variants)
        anchor = (
            target.title
            if rng.random() < 0.5
            else rng.choice(
                ["reported earlier", "an earlier report", "said last month", "this report"]
            )
        )
        return BodyLink(anchor, target=target.index, variant=variant)

    def _apply_edits(self, n_base: int) -> None:
        if not self.n_edit:
            return
        last = self.posts[-1].published
        candidates = [
            p
            for p in self.posts[:n_base]
            # Fixed posts stay verbatim: the seed is the reference text, and the near-copy
            # pair must keep differing by exactly the sentences it was built with.
            if p.status == "publish" and not p.key.startswith("fixed:")
        ]
        candidates.sort(
            key=lambda p: hashlib.sha256(f"{self.seed}:edit:{p.key}".encode()).hexdigest()
        )
        for k, post in enumerate(candidates[: self.n_edit]):
            post.edited = True
            post.modified = last + timedelta(hours=k + 1)

    # ------------------------------------------------------------------ bodies

    def paragraphs(self, post: Post) -> list[Paragraph]:
        """The post's body paragraphs (generated on first use, then cached)."""
        cached = self._bodies.get(post.index)
        if cached is None:
            cached = self._make_body(post)
            self._bodies[post.index] = cached
        return cached

    def body_text(self, post: Post) -> str:
        text = self._texts.get(post.index)
        if text is None:
            text = "\n\n".join(paragraph_text(p) for p in self.paragraphs(post))
            self._texts[post.index] = text
        return text

    def summary(self, post: Post) -> str:
        if post.custom_summary:
            rng = self._rng(post.key, "summary")
            filler = Filler(rng, post.published)
            return filler.fill(rng.choice(vocab.SENTENCES[_pool(post.topic)]))
        return self.body_text(post).split("\n\n", 1)[0] if post.status == "publish" else ""

    def _make_body(self, post: Post) -> list[Paragraph]:
        if post.status != "publish":
            return [("This content is password protected.",)]
        if post.duplicate_source is not None:
            return self._near_copy(post)
        if post.fixed_body is not None:
            paragraphs: list[Paragraph] = [(p,) for p in post.fixed_body]
        else:
            paragraphs = self._generate(post)
        if post.extra_text:
            where = min(2, len(paragraphs) - 1)
            paragraphs[where] = (*paragraphs[where], " " + post.extra_text)
        if post.edited:
            rng = self._rng(post.key, "edit")
            filler = Filler(rng, post.modified_at)
            paragraphs.append(
                (
                    filler.fill(
                        "Update: in a later statement, {official} said the figures cited in this "
                        "report had been revised and that more details would be released on "
                        "{weekday}."
                    ),
                )
            )
        return paragraphs

    def _generate(self, post: Post) -> list[Paragraph]:
        rng = self._rng(post.key, "body")
        filler = Filler(rng, post.published)
        front = post.topic == "front-pages"
        deck = SentenceDeck(filler, post.topic)
        paragraphs: list[Paragraph] = []
        if post.lead:
            paragraphs.append((post.lead,))
        elif front:
            paragraphs.append(
                (
                    f"IFP has taken a look at the front pages of Iranian newspapers on "
                    f"{post.published:%A} and picked headlines from {post.paras - 1} of them.",
                )
            )
        else:
            paragraphs.append((deck.next(),))
        per_paragraph = max(18, post.words // post.paras)
        papers = rng.sample(vocab.NEWSPAPERS, min(len(vocab.NEWSPAPERS), post.paras))
        while len(paragraphs) < post.paras:
            if front:
                paper = papers[len(paragraphs) % len(papers)]
                headlines = rng.sample(vocab.FRONT_PAGE_HEADLINES, 2)
                text = f"{paper}: " + "; ".join(filler.fill(h) for h in headlines) + "."
                paragraphs.append((text,))
                continue
            sentences: list[str] = []
            count = 0
            while count < per_paragraph:
                sentence = deck.next()
                size = len(sentence.split())
                if sentences and count + size > per_paragraph + 8:
                    break  # keeps the article near its drawn length (150-1500 words)
                sentences.append(sentence)
                count += size
            paragraphs.append((" ".join(sentences),))
        total = sum(len(paragraph_text(p).split()) for p in paragraphs)
        while not front and total < 150:
            extra = deck.next()
            paragraphs[-1] = (paragraph_text(paragraphs[-1]) + " " + extra,)
            total += len(extra.split())
        for link in post.link_plan:
            # Links never go into the lead: the lead doubles as the excerpt.
            where = rng.randrange(1, len(paragraphs)) if len(paragraphs) > 1 else 0
            paragraphs[where] = (*paragraphs[where], " ", *self._link_sentence(rng, link))
        return paragraphs

    def _link_sentence(self, rng: random.Random, link: BodyLink) -> Paragraph:
        if link.url is not None:
            return rng.choice(
                [
                    ("The news was first reported by ", link, "."),
                    ("The claim could not be confirmed, according to ", link, "."),
                ]
            )
        if link.anchor == self.posts[link.target or 0].title:
            return ("Earlier, IFP published a report titled “", link, "”.")
        return rng.choice(
            [
                ("As IFP ", link, ", the issue has been on the agenda for months."),
                ("Details were given in ", link, " on the same subject."),
                ("The latest remarks follow what officials ", link, "."),
            ]
        )

    def _near_copy(self, post: Post) -> list[Paragraph]:
        """The republished near-copy: the source's text with two sentences edited."""
        assert post.duplicate_source is not None
        paragraphs = list(self.paragraphs(post.duplicate_source))
        first = paragraph_text(paragraphs[1]) if len(paragraphs) > 1 else ""
        if first:
            sentences = first.split(". ")
            sentences[-1] = "The drill is scheduled to continue until the end of the week."
            paragraphs[1] = (". ".join(sentences),)
        paragraphs[-1] = (*paragraphs[-1], " Officials said more details would follow.")
        return paragraphs

    # ------------------------------------------------------------------ queries

    def post_for_slug(self, slug: str) -> Post | None:
        return self.by_slug.get(slug)

    @cached_property
    def listings(self) -> dict[str, list[Post]]:
        """Listing key ("category:news/politics", "tag:Football", "author:x", "section:...")
        -> its posts, newest first."""
        out: dict[str, list[Post]] = {"section:all-stories": self.newest, "section:iran-news": []}
        for post in self.newest:
            keys = {f"author:{post.author.nicename}"}
            for category in post.categories:
                path = category.path
                while True:
                    keys.add(f"category:{path}")
                    if "/" not in path:
                        break
                    path = path.rsplit("/", 1)[0]
            keys.update(f"tag:{t.slug}" for t in post.tags)
            if "category:news" in keys:
                keys.add("section:iran-news")
            for key in keys:
                out.setdefault(key, []).append(post)
        return out

    def recent(self, count: int = 6) -> list[Post]:
        """The site's latest published posts (the "Recent Posts" blocks)."""
        return list(itertools.islice((p for p in self.newest if p.status == "publish"), count))

    def href(self, link: BodyLink, base: str) -> str:
        """The href of a planned link, spelled the way its variant says."""
        if link.url is not None:
            return link.url
        target = self.posts[link.target or 0]
        host = base.split("://", 1)[1].rstrip("/")
        path = target.path
        spelled = {
            "canonical": base.rstrip("/") + path,
            "https": f"https://{host}{path}",
            "relative": path,
            "amp": base.rstrip("/") + target.amp_path,
            "amp_query": f"{path}?amp=1",
            "utm": f"{path}?utm_source=twitter&utm_medium=social&utm_campaign=ifp",
            "other_slash": path[:-1] if target.slash else path + "/",
            "old_slug": f"/{target.old_slugs[0]}/" if target.old_slugs else path,
        }
        return spelled.get(link.variant, path)

    def link_target_path(self, link: BodyLink) -> str:
        return link.url if link.url is not None else self.posts[link.target or 0].path

    def variants(self, post: Post) -> list[str]:
        other = post.path[:-1] if post.slash else post.path + "/"
        out = [other]
        if self.theme == "tagdiv":
            out += [post.amp_path, post.amp_path + "/"]
        out += [f"{post.path}?amp=1", f"{post.path}?amp", f"{post.path}?noamp=mobile"]
        out += [f"{post.path}?nonamp=1", f"{post.path}?utm_source=twitter"]
        for old in post.old_slugs:
            if self.old_slugs.get(old) is post:
                out += [f"/{old}/", f"/{old}"]
        return out

    def non_articles(self) -> list[str]:
        out = [f"/{slug}/" for slug in STATIC_PAGES]
        out += [p.attachment_path for p in self.articles if p.attachment_path]
        out += [p.path for p in self.posts if p.status != "publish"]
        out += ["/iran-news/", "/all-stories/"]
        out += [c.url_path for c in self.categories.values()]
        out += [
            a.url_path for a in self.authors.values() if f"author:{a.nicename}" in self.listings
        ]
        out += [t.url_path for t in self.tags.values() if f"tag:{t.slug}" in self.listings]
        return out

    def article_manifest(self, post: Post) -> dict[str, Any]:
        links: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for paragraph in self.paragraphs(post):
            for segment in paragraph:
                if isinstance(segment, BodyLink):
                    target = self.link_target_path(segment)
                    if ("body", target) not in seen:
                        seen.add(("body", target))
                        links.append(
                            {"path_or_url": target, "kind": "body", "anchor_text": segment.anchor}
                        )
        for index in post.related:
            target_post = self.posts[index]
            links.append(
                {
                    "path_or_url": target_post.path,
                    "kind": "related",
                    "anchor_text": target_post.raw_title,
                }
            )
        source = post.duplicate_source
        return {
            "path": post.path,
            "title": post.title,
            "body": self.body_text(post),
            "summary": self.summary(post),
            "author": post.author.name,
            "section": post.section,
            "categories": [c.name for c in post.categories],
            "tags": [t.name for t in post.tags],
            "published_at": post.published.isoformat(),
            "modified_at": post.modified_at.isoformat(),
            "image_url": post.image_path,
            "wp_post_id": post.wp_id,
            "variants": self.variants(post),
            "links": links,
            "duplicate_of": source.path if source is not None else None,
            "edited": post.edited,
            "added": post.added,
        }

    def manifest(self) -> dict[str, Any]:
        """Ground truth for tests: every article as a perfect crawler would store it.

        Recent Posts links are not listed: they are the site's 6 latest posts at fetch time.
        """
        return {
            "articles": [self.article_manifest(p) for p in self.articles],
            "non_articles": self.non_articles(),
            "recent_posts": [p.path for p in self.recent()],
        }


def _pool(topic: str) -> str:
    return topic if topic in vocab.SENTENCES else "politics"


def build_site(
    articles: int = 500,
    seed: int = 0,
    add: int = 0,
    edit: int = 0,
    theme: Theme = "tagdiv",
    sitemap: bool = True,
    rest: bool = True,
) -> Site:
    """Build the replica's content (see the package docstring for the site map)."""
    return Site(articles, seed, add, edit, theme, sitemap, rest)
