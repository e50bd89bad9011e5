"""``scrapy report --html``: one self-contained HTML page with charts drawn by matplotlib.

Every chart is inline SVG (text drawn as paths, so no font or network is needed to open the
file). The data come from the store only: ``crawl_runs`` stats, ``articles``, ``links`` and
``failures``. matplotlib is the optional extra ``ifpcrawl[report]``; it is imported here, and
this module is imported only when ``--html`` is asked for.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from ifpcrawl.exports import parse_stored_time

COVERAGE_FIELDS = ("title", "body", "author", "section", "published_at")
#: Link kinds that say an article is worth reading (``recent`` is the site's sidebar).
LINKED_KINDS = ("body", "related")
TOP_LINKED = 15
TOP_SECTIONS = 15
RECENT_DAYS = 90
RUN_COUNTS = (
    ("new", "ifp/articles_new"),
    ("updated", "ifp/articles_updated"),
    ("unchanged", "ifp/articles_unchanged"),
    ("duplicate", "ifp/articles_duplicate"),
)
# Text as paths and no per-render ids or dates: the file opens anywhere, and two reports of
# the same store are the same bytes.
RC: Any = {
    "svg.fonttype": "path",
    "svg.hashsalt": "ifpcrawl",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
XML_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


@dataclass
class ReportData:
    """What the page shows; runs oldest first."""

    runs: list[Mapping[str, Any]]
    thresholds: Mapping[str, float]
    per_day: Counter[date] = field(default_factory=Counter)
    per_section: Counter[str] = field(default_factory=Counter)
    total: int = 0
    most_linked: list[tuple[str, str, int]] = field(default_factory=list)  # title, url, count
    failures: list[Mapping[str, Any]] = field(default_factory=list)


def collect(
    runs: Sequence[Mapping[str, Any]],
    articles: Iterable[Mapping[str, Any]],
    links: Iterable[Mapping[str, Any]],
    failures: Sequence[Mapping[str, Any]],
    thresholds: Mapping[str, float],
) -> ReportData:
    """Stream the store's rows once into the counts the charts need."""
    data = ReportData(runs=list(runs), thresholds=thresholds, failures=list(failures))
    titles: dict[int, tuple[str, str]] = {}
    for row in articles:
        data.total += 1
        titles[int(row["id"])] = (str(row.get("title") or row["url"]), str(row["url"]))
        published = parse_stored_time(row.get("published_at"))
        if published is not None:
            data.per_day[published.date()] += 1
        data.per_section[str(row.get("section") or "(none)")] += 1
    inbound: Counter[int] = Counter()
    for link in links:
        dst = link.get("dst_id")
        if dst is not None and link.get("kind") in LINKED_KINDS and dst != link.get("src_id"):
            inbound[int(dst)] += 1
    data.most_linked = [
        (*titles[dst], count) for dst, count in inbound.most_common(TOP_LINKED) if dst in titles
    ]
    return data


def run_stats(run: Mapping[str, Any]) -> Mapping[str, Any]:
    stats = run.get("stats")
    return stats if isinstance(stats, Mapping) else {}


def run_label(run: Mapping[str, Any]) -> str:
    started = parse_stored_time(run.get("started_at"))
    when = started.strftime("%m-%d %H:%M") if started else "?"
    return f"#{run.get('id', '?')}\n{when}"


def run_minutes(run: Mapping[str, Any]) -> float | None:
    start = parse_stored_time(run.get("started_at"))
    end = parse_stored_time(run.get("finished_at"))
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60


def svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return XML_PROLOGUE.sub("", buffer.getvalue(), count=1)


def new_figure(height: float = 3.0, width: float = 9.0) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


def chart_runs(runs: Sequence[Mapping[str, Any]]) -> str:
    figure = new_figure(5.2)
    with matplotlib.rc_context(RC):
        top, middle, bottom = figure.subplots(3, 1, sharex=True)
        x = list(range(len(runs)))
        stats = [run_stats(run) for run in runs]
        bottoms = [0] * len(runs)
        for label, key in RUN_COUNTS:
            values = [int(s.get(key, 0) or 0) for s in stats]
            top.bar(x, values, bottom=bottoms, label=label)
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        top.set_ylabel("articles")
        top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
        pages = [int(s.get("downloader/response_count", 0) or 0) for s in stats]
        failures = [int(s.get("ifp/failures", 0) or 0) for s in stats]
        middle.plot(x, pages, marker="o", label="pages fetched")
        middle.plot(x, failures, marker="x", color="tab:red", label="failures")
        middle.set_ylabel("count")
        middle.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
        minutes = [run_minutes(run) for run in runs]
        bottom.bar(x, [m or 0.0 for m in minutes], color="tab:gray")
        bottom.set_ylabel("minutes")
        bottom.set_xticks(x, [run_label(run) for run in runs], fontsize=7)
        figure.suptitle("Runs over time: articles, pages and failures, duration")
    return svg(figure)


def chart_coverage(runs: Sequence[Mapping[str, Any]], thresholds: Mapping[str, float]) -> str:
    figure = new_figure(3.4)
    with matplotlib.rc_context(RC):
        axes = figure.subplots()
        x = list(range(len(runs)))
        lowest: list[float] = []
        for name in COVERAGE_FIELDS:
            values = [run_stats(run).get(f"ifp/coverage/{name}") for run in runs]
            points = [(i, float(v) * 100) for i, v in zip(x, values, strict=True) if v is not None]
            if not points:
                continue
            lowest.append(min(value for _, value in points) / 100)
            line = axes.plot(*zip(*points, strict=True), marker="o", label=name)[0]
            if name in thresholds:
                axes.axhline(
                    thresholds[name] * 100,
                    color=line.get_color(),
                    linestyle="--",
                    linewidth=1,
                    label=f"{name} alarm < {thresholds[name]:.0%}",
                )
        floor = min([*thresholds.values(), *lowest]) * 100 if lowest or thresholds else 0.0
        axes.set_ylim(max(0.0, floor - 10), 101)
        axes.set_ylabel("% of the run's articles")
        axes.set_xticks(x, [run_label(run) for run in runs], fontsize=7)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        figure.suptitle("Field coverage per run, with the IFP_MIN_COVERAGE alarm thresholds")
    return svg(figure)


def chart_per_day(per_day: Mapping[date, int]) -> str:
    """Per day over the last ``RECENT_DAYS``; a long archive also gets a per-month chart
    (a day's bar is under a pixel wide over years)."""
    days = sorted(per_day)
    last = days[-1]
    recent = [d for d in days if (last - d).days < RECENT_DAYS]
    long_span = (last - days[0]).days >= RECENT_DAYS
    figure = new_figure(5.0 if long_span else 2.8)
    with matplotlib.rc_context(RC):
        panels = figure.subplots(2, 1) if long_span else [figure.subplots()]
        when = [datetime(d.year, d.month, d.day) for d in recent]
        panels[0].bar(when, [per_day[d] for d in recent], width=0.8, color="tab:blue")  # type: ignore[arg-type]
        panels[0].set_title(f"per day, the last {RECENT_DAYS} days of the archive", fontsize=9)
        if long_span:
            months: Counter[datetime] = Counter()
            for d, count in per_day.items():
                months[datetime(d.year, d.month, 1)] += count
            ordered = sorted(months)
            panels[1].bar(ordered, [months[m] for m in ordered], width=25, color="tab:blue")  # type: ignore[arg-type]
            panels[1].set_title("per month, the whole archive", fontsize=9)
        for axes in panels:
            locator = AutoDateLocator()  # type: ignore[no-untyped-call]
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(
                ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
            )
            axes.set_ylabel("articles")
        figure.suptitle("Articles by date of publication")
    return svg(figure)


def chart_sections(per_section: Counter[str]) -> str:
    top = per_section.most_common(TOP_SECTIONS)
    figure = new_figure(0.8 + 0.25 * len(top))
    with matplotlib.rc_context(RC):
        axes = figure.subplots()
        names = [name for name, _ in reversed(top)]
        axes.barh(names, [count for _, count in reversed(top)], color="tab:green")
        axes.set_xlabel("articles")
        figure.suptitle("Articles per section")
    return svg(figure)


def chart_most_linked(most_linked: Sequence[tuple[str, str, int]]) -> str:
    figure = new_figure(0.8 + 0.25 * len(most_linked))
    with matplotlib.rc_context(RC):
        axes = figure.subplots()
        rows = list(reversed(most_linked))
        labels = [title if len(title) <= 70 else title[:67] + "..." for title, _, _ in rows]
        axes.barh(range(len(rows)), [count for _, _, count in rows], color="tab:purple")
        axes.set_yticks(range(len(rows)), labels, fontsize=7)
        axes.set_xlabel("inbound links (body and related) from stored articles")
        figure.suptitle("Most-linked articles")
    return svg(figure)


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
td.n { text-align: right; } .empty { color: #777; font-style: italic; }
"""


def render(data: ReportData, title: str = "ifpcrawl report") -> str:
    """The whole page as one string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{data.total:,} articles stored; {len(data.runs)} run(s) shown.</p>",
    ]

    def section(heading: str, chart: str | None, empty: str) -> None:
        parts.append(f"<h2>{escape(heading)}</h2>")
        if chart is None:
            parts.append(f'<p class="empty">{escape(empty)}</p>')
        else:
            parts.append(f'<figure class="chart">{chart}</figure>')

    section("Runs", chart_runs(data.runs) if data.runs else None, "No runs recorded yet.")
    section(
        "Field coverage",
        chart_coverage(data.runs, data.thresholds) if data.runs else None,
        "No runs recorded yet.",
    )
    section(
        "Articles per day",
        chart_per_day(data.per_day) if data.per_day else None,
        "No article has a publication date.",
    )
    section(
        "Articles per section",
        chart_sections(data.per_section) if data.per_section else None,
        "No articles stored.",
    )
    section(
        "Most-linked articles",
        chart_most_linked(data.most_linked) if data.most_linked else None,
        "No links between stored articles.",
    )
    if data.most_linked:
        parts.append("<table><tr><th>inbound</th><th>article</th></tr>")
        for title_text, url, count in data.most_linked:
            parts.append(
                f'<tr><td class="n">{count}</td><td><a href="{escape(url)}">'
                f"{escape(title_text)}</a></td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Latest failures</h2>")
    if not data.failures:
        parts.append('<p class="empty">No failures recorded.</p>')
    else:
        parts.append(
            "<table><tr><th>URL</th><th>kind</th><th>reason</th><th>attempts</th>"
            "<th>last seen</th><th>error</th></tr>"
        )
        for row in data.failures:
            cells = [
                escape(str(row.get(name) if row.get(name) is not None else ""))
                for name in ("url", "kind", "reason", "attempts", "last_seen_at", "error")
            ]
            parts.append(
                f"<tr><td>{cells[0]}</td><td>{cells[1]}</td><td>{cells[2]}</td>"
                f'<td class="n">{cells[3]}</td><td>{cells[4]}</td><td>{cells[5]}</td></tr>'
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
