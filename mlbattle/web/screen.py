"""The big screen: the room's projector at 1920×1080, read from the back row.

One board (`?competition=SLUG`) or an event's boards and its standings in turn (`?event=SLUG&every=20`). The
page draws once, then only its timer runs (`refresh.follow`): a tick asks the data version and reruns the page
when it changed or when the next slide is due, so a projector left open all evening costs a probe a tick.
The time left and the sync's age tick in the browser (a small script in an iframe), not in reruns. All text
is drawn as HTML with every piece of stored text escaped; the large type is CSS emitted by this page only.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from .. import demo, medals, movement, reads, standings
from ..settings import Settings
from ..text import md, score_format, without_format_characters
from .data import source
from .links import pick
from .refresh import Watch, follow, refresh_on_view

EVERY_DEFAULT, EVERY_MIN, EVERY_MAX = 20, 5, 600
CHECK_SECONDS = 15  # one board: how often its timer looks for new data
TOP = 10  # rows a slide shows: what the back row can read at 1080 px
STANDINGS = "standings"  # the slide after the event's boards

STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 1.2rem 2.5rem 0.5rem 2.5rem !important; max-width: 100% !important; }
.screen-title { font-size: 64px; font-weight: 800; line-height: 1.1; margin: 0; color: #1c2331; }
.screen-sub { font-size: 30px; color: #3d4657; margin: 0.3rem 0 0 0; }
table.screen-board { width: 100%; border-collapse: collapse; font-size: 48px; line-height: 1.22; }
table.screen-board th { font-size: 26px; text-transform: uppercase; letter-spacing: 0.06em; color: #3d4657;
  text-align: left; border-bottom: 4px solid #1c2331; padding: 0.2rem 0.6rem; }
table.screen-board td { padding: 0.22rem 0.6rem; border-bottom: 2px solid #d5dae3; color: #1c2331;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 760px; }
table.screen-board tr:nth-child(even) td { background: #f3f5f9; }
table.screen-board td.num, table.screen-board th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.screen-board td.rank { font-weight: 800; color: #d6336c; width: 5.5rem; }
table.screen-board td.name { font-weight: 700; }
table.screen-board td.medal, table.screen-board th.medal { width: 7rem; text-align: center; }
table.screen-board td.move, table.screen-board th.move { width: 8rem; padding-left: 1.6rem; }
.screen-none { color: #8a93a3; }
.screen-up { color: #0a7d32; font-weight: 800; } .screen-down { color: #b3261e; font-weight: 800; }
.screen-foot { font-size: 28px; color: #3d4657; margin-top: 0.6rem; }
.screen-join { font-size: 34px; font-weight: 700; background: #fde8ef; border-radius: 12px;
  padding: 0.5rem 1rem; margin-top: 0.6rem; color: #1c2331; }
.screen-empty { font-size: 40px; color: #3d4657; padding: 3rem 0; }
</style>"""


@dataclass(frozen=True)
class Request:
    """What the query asks for; `problem` says what was wrong with it, on the screen itself."""

    competition: str = ""
    event: str = ""
    every: int = EVERY_DEFAULT
    problem: str = ""


def request(params: Mapping[str, str]) -> Request:
    competition = (params.get("competition") or "").strip()
    event = (params.get("event") or "").strip()
    text = (params.get("every") or "").strip()
    every, problem = EVERY_DEFAULT, ""
    if text:
        try:
            every = int(text)
        except ValueError:
            problem = f"every must be a whole number of seconds; showing each slide {EVERY_DEFAULT} s"
        else:
            if not EVERY_MIN <= every <= EVERY_MAX:
                every = min(EVERY_MAX, max(EVERY_MIN, every))
                problem = f"every must be {EVERY_MIN} to {EVERY_MAX} seconds; showing each slide {every} s"
    return Request(competition, event, every, problem)


def plain(text: object) -> str:
    """Stored text as HTML text: escaped, on one line, without format characters (bidi overrides,
    zero-width joiners) that could reorder what the room reads."""
    return html.escape(" ".join(without_format_characters(str("" if text is None else text)).split()))


def epoch_ms(moment: datetime | None) -> int | None:
    """A stored naive-UTC timestamp as the browser's clock counts it."""
    return None if moment is None else int(moment.replace(tzinfo=UTC).timestamp() * 1000)


CLOCK = """<div style="font-family:'Source Sans Pro','Source Sans 3','Helvetica Neue',Arial,sans-serif;color:#1c2331;text-align:right">
<div id="left" style="font-size:60px;font-weight:800;line-height:1.1;font-variant-numeric:tabular-nums"></div>
<div id="age" style="font-size:32px;color:#3d4657"></div></div>
<script>
const deadline = DEADLINE_MS, synced = SYNCED_MS, skew = NOW_MS - Date.now();
const pad = n => String(n).padStart(2, "0");
function span(ms) {
  const s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
  const m = Math.floor(s % 3600 / 60);
  return (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(s % 60);
}
function ago(ms) {
  const m = Math.floor(ms / 60000);
  return m < 1 ? "just now" : m < 60 ? m + " min ago" : Math.floor(m / 60) + " h ago";
}
function tick() {
  const now = Date.now() + skew;
  document.getElementById("left").textContent = deadline === null ? "" :
    deadline > now ? span(deadline - now) + " left" : "deadline passed";
  document.getElementById("age").textContent = synced === null ? "not synced yet" : "synced " + ago(now - synced);
}
tick(); setInterval(tick, 1000);
</script>"""


def clock_html(deadline_ms: int | None, synced_ms: int | None, now_ms: int) -> str:
    """The time left and the sync's age, ticking once a second in the browser. Only numbers go in: the
    server's clock (`now_ms`) corrects a projector laptop whose clock is off."""
    def number(value: int | None) -> str:
        return "null" if value is None else str(int(value))

    return (CLOCK.replace("DEADLINE_MS", number(deadline_ms)).replace("SYNCED_MS", number(synced_ms))
            .replace("NOW_MS", number(now_ms)))


def heading(title: str, subtitle: str, record: Mapping[str, Any] | None) -> None:
    words, clock = st.columns([3, 1.3], vertical_alignment="center")
    words.html(f'<h1 class="screen-title">{plain(title)}</h1><p class="screen-sub">{plain(subtitle)}</p>')
    if record is not None:
        now = int(datetime.now(UTC).timestamp() * 1000)
        with clock:
            st.iframe(clock_html(epoch_ms(record.get("deadline")), epoch_ms(record.get("last_success_at")), now),
                      height=120)


NONE = '<span class="screen-none">–</span>'  # no medal: a quiet dash, so the column never looks broken


def arrow(text: object) -> str:
    """A movement's text (▲3, ▼2, new, –) coloured for the room: up green, down red."""
    shown = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    if shown.startswith("▲"):
        return f'<span class="screen-up">{html.escape(shown)}</span>'
    if shown.startswith("▼"):
        return f'<span class="screen-down">{html.escape(shown)}</span>'
    return html.escape(shown)


def board_table(rows: pd.DataFrame, teams: int, fmt: str) -> str:
    """The participants' top: platform rank, name, Kaggle rank (of how many), medal, score, movement."""
    head = ('<tr><th class="num">#</th><th>Participant</th><th class="num">Kaggle rank</th><th class="medal">Medal'
            '</th><th class="num">Score</th><th class="move">Move</th></tr>')
    body = []
    for row in rows.head(TOP).to_dict("records"):
        score = "–" if row["score"] is None or pd.isna(row["score"]) else fmt % row["score"]
        body.append(f'<tr><td class="num rank">{int(row["platform_rank"])}</td>'
                    f'<td class="name">{plain(row["participant"])}</td>'
                    f'<td class="num">{int(row["kaggle_rank"]):,} <small>/ {teams:,}</small></td>'
                    f'<td class="medal">{medals.emoji(row.get("medal")) or NONE}</td><td class="num">{score}</td>'
                    f'<td class="move">{arrow(row.get("movement"))}</td></tr>')
    return f'<table class="screen-board">{head}{"".join(body)}</table>'


def standings_table(table: pd.DataFrame, moves: pd.DataFrame) -> str:
    """The event's top: place, name, total points, place change since the event's newest board change."""
    arrows = dict(zip(moves["kaggle_username"], moves["movement"])) if len(moves) else {}
    body = "".join(f'<tr><td class="num rank">{int(row["place"])}</td><td class="name">{plain(row["participant"])}'
                   f'</td><td class="num">{row["total_points"]:,.1f}</td>'
                   f'<td class="move">{arrow(arrows.get(row["kaggle_username"]))}</td></tr>'
                   for row in table.head(TOP).to_dict("records"))
    return ('<table class="screen-board"><tr><th class="num">#</th><th>Participant</th><th class="num">Points</th>'
            f'<th class="move">Move</th></tr>{body}</table>')


def board_slide(cfg: Settings, record: Mapping[str, Any], rows: pd.DataFrame, zones: list[movement.Zone],
                footnote: str = "") -> None:
    """One competition: its title, the time left, its top participants (the reveal's place after the deadline)."""
    deadline = record.get("deadline")
    passed = deadline is not None and deadline <= datetime.now(UTC).replace(tzinfo=None)
    board = "final board" if passed or record.get("status") == "completed" else "live public board"
    medal_line = f" · medals to Kaggle rank {zones[-1].rank:,}" if zones else ""
    heading(record["title"], f"{board} · {record['teams']:,} teams on Kaggle · {record['matched']:,} of ours"
            f"{medal_line}", record)
    if reveal(cfg, record):
        return
    if rows.empty:
        st.html('<div class="screen-empty">No registered participant is on this board yet.</div>')
    else:
        fmt = score_format(rows["score"].head(TOP))
        st.html(board_table(rows, int(record["teams"] or 0), fmt))
    foot(cfg, footnote)


def reveal(cfg: Settings, record: Mapping[str, Any]) -> bool:
    """After the deadline the screen shows the private reveal here (public → private, the shake-up); True
    when it drew it. Until the reveal exists, the final board is shown as any board."""
    from .shakeup import screen_slide

    return screen_slide(cfg, record)


def join_notice(cfg: Settings) -> str:
    """How the room joins while self-registration is open (with the join code); empty when registration is
    closed or no code is set."""
    from ..registration import registration_notice

    return registration_notice(cfg) or ""


def foot(cfg: Settings, footnote: str = "") -> None:
    notice = join_notice(cfg)
    if notice:
        st.html(f'<div class="screen-join">{plain(notice)}</div>')
    parts = [footnote, "demo data" if demo.is_demo(cfg) else ""]
    text = " · ".join(part for part in parts if part)
    if text:
        st.html(f'<div class="screen-foot">{plain(text)}</div>')


def show(cfg: Settings, params: Mapping[str, str]) -> None:
    ask = request(params)
    st.html(STYLE)
    if ask.problem:
        st.warning(ask.problem, icon="⚠️")
    if ask.competition:
        competition_screen(cfg, ask)
    elif ask.event:
        event_screen(cfg, ask)
    else:
        chooser(cfg)


def chooser(cfg: Settings, problem: str = "") -> None:
    """Without a board to show: what there is, as links that open it on the big screen."""
    st.html('<h1 class="screen-title">📽️ Big screen</h1>')
    if problem:
        st.error(problem)
    with source(cfg) as data:
        version = data.probe(reads.data_version)
        events, competitions = data.read(version, reads.events), data.read(version, reads.competitions)
    if not events and not competitions:
        st.info("No events or competitions yet. An organiser adds them on the Admin page.")
    for item in events:
        pick(f"Event: {item['title']} (cycles its boards and standings)", key=f"screen-e-{item['slug']}",
             event=item["slug"])
    for item in competitions:
        pick(f"Board: {item['title']}", key=f"screen-c-{item['slug']}", competition=item["slug"])


def competition_screen(cfg: Settings, ask: Request) -> None:
    with source(cfg) as data:
        version = data.probe(reads.competition_version, ask.competition)
        if version is None:
            return chooser(cfg, f"There is no competition “{md(ask.competition)}” here. Pick one below.")
        record = data.read(version, reads.competition, ask.competition)
        rows = data.read(version, movement.board, ask.competition)
        zones = data.read(version, movement.zones, ask.competition)
    refreshing = refresh_on_view(cfg, record)
    board_slide(cfg, record, rows, zones)
    follow(cfg, Watch(reads.competition_version, (ask.competition,), version, (record,), refreshing), CHECK_SECONDS)


def event_screen(cfg: Settings, ask: Request) -> None:
    with source(cfg) as data:
        version = data.probe(reads.data_version)
        event = data.read(version, reads.event, ask.event)
        if event is None:
            return chooser(cfg, f"There is no event “{md(ask.event)}” here. Pick one below.")
        competitions = [c for c in data.read(version, reads.competitions) if c["event_slug"] == ask.event]
        slides = [c for c in competitions if c["teams"]] + [None]  # None: the event's standings
        key = f"screen-slide-{ask.event}"
        shown = slides[int(st.session_state.get(key, 0)) % len(slides)]
        if shown is None:
            result = data.read(version, standings.event_standings, ask.event)
        else:
            rows = data.read(version, movement.board, shown["slug"])
            zones = data.read(version, movement.zones, shown["slug"])
    refreshing = any([refresh_on_view(cfg, record) for record in competitions])
    place = f"slide {slides.index(shown) + 1} of {len(slides)}, next in {ask.every} s"
    if shown is None:
        heading(event["title"], "event standings: points over all its competitions", None)
        if result.table.empty:
            st.html('<div class="screen-empty">No registered participant is on these boards yet.</div>')
        else:
            st.html(standings_table(result.table, result.movement))
        foot(cfg, place)
    else:
        board_slide(cfg, shown, rows, zones, f"{event['title']} · {place}")

    def next_slide() -> bool:
        st.session_state[key] = int(st.session_state.get(key, 0)) + 1
        return len(slides) > 1

    follow(cfg, Watch(reads.data_version, (), version, competitions, refreshing), ask.every, next_slide)
