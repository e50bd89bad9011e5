"""Near-duplicate fingerprints: tuned in both directions on news-like texts."""

from __future__ import annotations

import pytest
from trafilatura.deduplication import Simhash

from ifpcrawl import dedup

# The body of the seed article (shared/seed-article.txt), one sentence per item (15).
SEED_SENTENCES = [
    "Russia’s President Vladimir Putin says threats posed by the NATO military alliance are "
    "not limited to Europe alone but goes beyond the continent.",
    "The Russian leader made the remarks in a meeting with Iran’s President Ebrahim Raisi on "
    "Thursday in Uzbekistan where the two are attending the SCO summit.",
    "Putin described the vies of Iran and Russia as convergent, in reference to NATO’s "
    "expansion policies.",
    "Russia’s president also said his country did its utmost to help Iran become a full "
    "member of the Shanghai Cooperation Organization.",
    "Putin said Moscow’s partners also supported Iran’s membership in the SCO.",
    "Putin noted that Russia is putting the finishing touches to a new grand deal with Iran, "
    "adding that the treaty shows that ties between Tehran and Moscow are being elevated to a "
    "strategic level.",
    "He further said 80 Russian companies will send their representatives to Iran next week "
    "as efforts continue to expand bilateral ties.",
    "He pointed to the extensive business ties between Moscow and Tehran, saying he was "
    "pleased with a rise in visits by economic officials of the two countries.",
    "Putin then said the size of bilateral trade between Tehran and Moscow rose by 81% last "
    "year and by 30% in the first 5 months of this year.",
    "President Raisi, for his part, spoke about the US’s miscalculations in dealing with "
    "sovereign nations.",
    "The Iranian president said the US thinks if it imposes sanctions on a country, that "
    "nation grinds to a halt, but this is a miscalculation on the part of Washington.",
    "He stressed that the US sanctions can largely be blunted if Iran and Russia cooperate.",
    "Raisi also thanked Russia for its assistance to pave the way for Iran to become a full "
    "member of the SCO.",
    "The Iranian president underlined that the Islamic Republic is serious about expanding "
    "bilateral ties and said, “Our relations are nor ordinary but are strategic.”",
    "Raisi said ties in the political and trade as well as space and aviation fields can be "
    "further expanded.",
]
SEED_BODY = "\n\n".join(SEED_SENTENCES)

REWRITES = [
    "Officials from both sides later met behind closed doors to discuss energy swaps, grain "
    "shipments and a new rail corridor linking the Caspian ports.",
    "A spokesman for the Kremlin told reporters that no date had yet been fixed for the "
    "signing ceremony of the long-term cooperation document.",
    "Analysts in Tehran said the meeting signalled a deeper shift toward the East after years "
    "of stalled negotiations with European capitals over the nuclear deal.",
]

# A different article on the same event: same names and stock phrases, other sentences.
SAME_TOPIC = """Iranian President Ebrahim Raisi has met his Russian counterpart Vladimir Putin on the sidelines of the SCO summit in Samarkand.

The two presidents discussed bilateral ties, regional developments and the situation in Ukraine, according to the Iranian president’s office.

Raisi arrived in Uzbekistan on Wednesday at the head of a delegation that includes the foreign and oil ministers.

Iran is expected to sign a memorandum of obligations at the summit, the last step before it becomes a full member of the Shanghai Cooperation Organization.

The Iranian president also held talks with the leaders of China, Pakistan and Turkmenistan and invited them to visit Tehran.

Officials say trade with member states of the bloc accounts for a growing share of Iran’s non-oil exports.

Tehran hopes membership will help it counter the impact of US sanctions on its economy."""


def front_pages(day: str, weekday: str, headlines: list[str]) -> str:
    """A daily "A Look at Iranian Newspaper Front Pages" body: fixed lead, other headlines."""
    papers = ["Abrar", "Aftab-e Yazd", "Arman-e Melli", "Ettela’at", "Ebtekar", "Iran"]
    parts = [
        f"IFP has taken a look at the front pages of Iranian newspapers on {weekday} and picked "
        "headlines from 15 of them. IFP has simply translated the headlines and does not vouch "
        "for their accuracy.",
        f"Published on {day}.",
    ]
    for index, paper in enumerate(papers):
        parts.append(f"{paper}:")
        for number, headline in enumerate(headlines[index * 2 : index * 2 + 2], start=1):
            parts.append(f"{number}- {headline}")
    return "\n\n".join(parts)


FRONT_PAGES_MARCH_15 = front_pages(
    "March 15",
    "Wednesday",
    [
        "Larijani Re-Elected as Speaker of Iran’s Parliament",
        "Government Unveils Plan to Curb Runaway Housing Prices",
        "Iran Kicks Off Large-Scale Air Defence Drill",
        "Central Bank Chief Says Inflation Will Ease by Summer",
        "Historic All-Women Flight Lands in Mashhad",
        "Parliament Questions Labour Minister Over Pension Delays",
        "Tehran Cyber Police Shut Down 40 Instagram Accounts of Harassers",
        "Farmers Protest Water Transfer Project in Isfahan",
        "Covid Cases Hit New High in Iran",
        "Judiciary Chief Orders Review of Prison Sentences",
        "Oil Minister Hails Record Gas Output in South Pars",
        "Persepolis Beats Arch-Rival Esteghlal in Tehran Derby",
    ],
)
FRONT_PAGES_MARCH_16 = front_pages(
    "March 16",
    "Thursday",
    [
        "Iranian MP: 300 SUVs Given to Lawmakers in ‘Criminal, Fraudulent’ Move",
        "FM Says Talks With Europe Will Continue Despite Pressure",
        "Traffic Police Announce New Fines for Polluting Vehicles",
        "President Orders Emergency Aid for Flood-Hit Villages",
        "Stock Market Index Climbs for Fifth Straight Session",
        "Health Ministry Warns of Drug Shortages in Southern Provinces",
        "Teachers Rally for Higher Wages in Several Cities",
        "Iran and Iraq Agree to Boost Electricity Trade",
        "Wildfire Destroys Hundreds of Hectares of Zagros Forests",
        "Tehran Metro Opens Three New Stations",
        "National Team Coach Names Squad for Asian Cup Qualifiers",
        "New Film by Iranian Director Wins Award in Berlin",
    ],
)


def with_rewrites(sentences: list[str], positions: list[int]) -> str:
    edited = list(sentences)
    for rewrite, position in zip(REWRITES, positions, strict=False):
        edited[position] = rewrite
    return "\n\n".join(edited)


@pytest.mark.parametrize(
    "text",
    [SEED_BODY, SAME_TOPIC, FRONT_PAGES_MARCH_15, "", "one two", "ایران " * 60, "x" * 5000],
)
def test_simhash_is_trafilaturas_value(text: str) -> None:
    assert dedup.simhash(text) == Simhash(text).hash
    assert Simhash(existing_hash=dedup.simhash_hex(dedup.simhash(text))).hash == Simhash(text).hash


def test_hamming() -> None:
    assert dedup.hamming(0b1011, 0b0001) == 2
    assert dedup.hamming(2**64 - 1, 0) == 64


def test_sentence_keys_ignore_case_quotes_and_spacing() -> None:
    variant = SEED_BODY.replace("’", "'").replace("\n\n", "  ").upper()
    assert dedup.sentence_keys(variant) == dedup.sentence_keys(SEED_BODY)
    assert len(dedup.sentence_keys(SEED_BODY)) == dedup.SENTENCE_KEYS


def test_sentence_keys_skip_short_sentences() -> None:
    assert dedup.sentence_keys("Abrar:\n\nShare\n\nPublished by IFP Editor.") == []


def test_words_normalize_punctuation() -> None:
    assert dedup.words("Iran’s “Aftab-e Yazd”: 81%!") == [
        b"iran",
        b"s",
        b"aftab",
        b"e",
        b"yazd",
        b"81",
    ]


@pytest.mark.parametrize(
    "positions",
    [[3], [0, 14], [2, 7, 12], [5, 6, 7]],  # 1, 2 and 3 of 15 sentences rewritten
)
def test_copy_with_rewritten_sentences_is_near_duplicate(positions: list[int]) -> None:
    copy = with_rewrites(SEED_SENTENCES, positions)
    assert dedup.near_duplicate_text(SEED_BODY, copy)
    shared = set(dedup.sentence_keys(SEED_BODY)) & set(dedup.sentence_keys(copy))
    # ... and the candidate lookup finds it.
    assert len(shared) >= dedup.min_shared_keys(dedup.SENTENCE_KEYS)


def test_three_of_ten_longest_sentences_rewritten_is_near_duplicate() -> None:
    ten = SEED_SENTENCES[:10]
    longest = sorted(range(10), key=lambda index: -len(ten[index]))[:3]
    copy = with_rewrites(ten, longest)
    assert dedup.near_duplicate_text("\n\n".join(ten), copy)
    shared = set(dedup.sentence_keys("\n\n".join(ten))) & set(dedup.sentence_keys(copy))
    assert len(shared) >= dedup.min_shared_keys(10)


def test_same_topic_articles_are_not_near_duplicates() -> None:
    assert not dedup.near_duplicate_text(SEED_BODY, SAME_TOPIC)


def test_daily_front_pages_are_not_near_duplicates() -> None:
    assert not dedup.near_duplicate_text(FRONT_PAGES_MARCH_15, FRONT_PAGES_MARCH_16)
    similarity = dedup.jaccard(
        dedup.shingles(dedup.words(FRONT_PAGES_MARCH_15)),
        dedup.shingles(dedup.words(FRONT_PAGES_MARCH_16)),
    )
    assert similarity < dedup.MIN_JACCARD / 2  # a wide margin, not a near miss


def test_short_bodies_are_never_near_duplicates() -> None:
    short = f"{SEED_SENTENCES[1]} {SEED_SENTENCES[4]}"
    assert len(dedup.words(short)) < dedup.MIN_WORDS
    assert not dedup.near_duplicate_text(short, short + " Indeed.")


def test_jaccard_and_shingles_edges() -> None:
    assert dedup.jaccard(set(), set()) == 0.0
    assert dedup.shingles([b"a", b"b"]) == {(b"a", b"b")}
    assert dedup.shingles([]) == set()
    tokens = dedup.words(SEED_BODY)
    assert dedup.jaccard(dedup.shingles(tokens), dedup.shingles(tokens)) == 1.0
