"""Reading Kaggle's download: both headers, BOM, quoting, hostile names, and every broken file we can think of."""

from __future__ import annotations

import io
import itertools
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mlbattle import db, held, parse, queries, reads, registry, sync
from mlbattle.leaderboard_file import LeaderboardFileError
from tests.support.boards import downloaded, extracted, zip_members, zip_of, zip_with_csv

SLUG = "file-cup"



def test_current_header_is_recognised_with_bom(tmp_path):
    found = extracted(tmp_path, zip_of(SLUG, [(1, "a", 0.5, "x")]))
    assert found.kind == "current" and found.has_members and found.columns[0] == "Rank"


def test_older_header_has_no_rank_and_no_members(tmp_path):
    found = extracted(tmp_path, zip_of(SLUG, [(1, "a", 0.5, "x")], header="older"))
    assert found.kind == "older" and not found.has_members


def test_private_leaderboard_file_name_is_accepted(tmp_path):
    assert extracted(tmp_path, zip_of(SLUG, [(1, "a", 0.5, "x")], private=True)).kind == "current"


def test_the_content_hash_names_the_stored_member_not_the_zip_around_it(tmp_path):
    """A hash equal to the stored one means the same CSV, so the sync need not inflate it; the member's
    name (public or private leaderboard, its timestamp) is not part of it, every byte of the CSV is."""
    public = downloaded(tmp_path, zip_of(SLUG, [(1, "A", 0.5, "ann")]))
    private = downloaded(tmp_path, zip_of(SLUG, [(1, "A", 0.5, "ann")], private=True))
    other = downloaded(tmp_path, zip_of(SLUG, [(1, "A", 0.6, "ann")]))
    assert public.content_hash == private.content_hash != other.content_hash
    assert public.csv().data == private.csv().data


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "web page"),
        (b"", "empty"),
        (b"PK\x03\x04 this is not really a zip", "not a zip"),
        (zip_members({}), "empty"),
        (zip_members({"a.csv": b"x", "b.csv": b"y"}), "2 files"),
        (zip_members({"../../evil.csv": b"Rank\n"}), "outside its folder"),
        (zip_members({"/etc/evil.csv": b"Rank\n"}), "outside its folder"),
        (zip_members({"leaderboard.exe": b"MZ"}), "not a CSV"),
        (zip_members({"a.csv": b""}), "no header"),
        (zip_members({"a.csv": b"\xff\xfeR\x00a\x00n\x00k\x00"}), "not UTF-8"),
        (zip_members({"a.csv": b"foo,bar\r\n1,2\r\n"}), "expected Kaggle's"),
        (zip_members({"a.csv": b"TeamName,Score,Score\r\n"}), "twice"),
    ],
)
def test_bad_downloads_are_refused_with_a_reason(tmp_path, data, reason):
    with pytest.raises(LeaderboardFileError, match=reason):
        extracted(tmp_path, data)


# The CSV is inflated as a reader takes it: block by block for Arrow's reader (`parse.rows`), whole for
# DuckDB's (`data`). Either way a bad member is refused, with the same reason.
READERS = {"blocks": parse.rows, "whole": lambda csv_file: csv_file.data}


@pytest.mark.parametrize("reader", READERS)
def test_corrupt_member_is_refused(tmp_path, reader):
    good = bytearray(zip_of(SLUG, [(i, "a" * 200 + str(i), 0.5, "x") for i in range(1, 2000)]))
    middle = len(good) // 2
    good[middle:middle + 20] = b"\x00" * 20
    with pytest.raises(LeaderboardFileError, match="corrupt"):
        READERS[reader](extracted(tmp_path, bytes(good)))


@pytest.mark.parametrize("reader", READERS)
def test_a_file_that_inflates_past_the_cap_is_refused(tmp_path, reader):
    big = zip_with_csv(SLUG, "Rank,TeamName,Score\r\n" + "1,a,0.5\r\n" * 200_000)
    assert len(big) < 100_000
    with pytest.raises(LeaderboardFileError, match="limit"):
        READERS[reader](extracted(tmp_path, big, max_bytes=1_000_000))


CSV = b"Rank,TeamName,Score,TeamMemberUserNames\r\n1,a,0.5,p\r\n2,b,0.4,q\r\n"


def _one_member(csv: bytes, **options) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", **options) as archive:
        archive.writestr("lb.csv", csv)
    return out.getvalue()


def _streamed(csv: bytes) -> bytes:
    """Written to a pipe-like stream: sizes and CRC come after the data (a data descriptor), as some servers send."""

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:
            self.buffer += b
            return len(b)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("lb.csv", "w") as member:
            member.write(csv)
    return bytes(sink.buffer)


@pytest.mark.parametrize("data", [
    _one_member(CSV, compression=zipfile.ZIP_STORED),
    _one_member(CSV, compression=zipfile.ZIP_DEFLATED, compresslevel=1),
    _streamed(CSV),
], ids=["stored", "deflated", "data-descriptor"])
def test_every_way_a_zip_stores_its_csv_reads_the_same_bytes(tmp_path, data):
    csv_file = extracted(tmp_path, data)
    assert csv_file.data == CSV
    assert parse.rows(csv_file)["team_name"].to_pylist() == ["a", "b"]


csv_bodies = st.one_of(
    st.binary(max_size=3000).map(lambda noise: noise * 200),  # compresses well: input runs out before output
    st.binary(min_size=1, max_size=600_000),  # barely compresses
)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                              HealthCheck.too_slow])
@given(body=csv_bodies, sizes=st.lists(st.integers(1, 1 << 21), min_size=1, max_size=8))
def test_the_csv_inflates_whole_whatever_sizes_the_reader_asks_for(tmp_path, body, sizes):
    """Arrow reads 1 MiB at a time; any read sizes give the whole CSV, and `finish` finds it intact."""
    csv = b"TeamName,Score\n" + body
    stream = downloaded(tmp_path, _one_member(csv, compression=zipfile.ZIP_DEFLATED, compresslevel=9),
                        max_bytes=len(csv)).stream()
    pieces = []
    for size in itertools.cycle(sizes):
        piece = stream.read(size)
        if not piece:
            break
        assert len(piece) <= size
        pieces.append(piece)
    stream.finish()
    assert b"".join(pieces) == csv


def _patched(data: bytes, offset_in_header: int, value: bytes) -> bytes:
    """Overwrite bytes of the member's local header and of its directory entry alike."""
    out = bytearray(data)
    for signature, header_offset in ((b"PK\x03\x04", offset_in_header), (b"PK\x01\x02", offset_in_header + 2)):
        at = out.index(signature) + header_offset
        out[at:at + len(value)] = value
    return bytes(out)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("data, reason", [
    (_patched(_one_member(CSV, compression=zipfile.ZIP_STORED), 6, b"\x01\x00"), "encrypted"),
    (_patched(_one_member(CSV, compression=zipfile.ZIP_DEFLATED), 8, b"\x0c\x00"), "compression method 12"),
    (_patched(_one_member(CSV, compression=zipfile.ZIP_STORED), 14, b"\x00\x00\x00\x00"), "corrupt: the CSV does not match"),
    (_patched(_one_member(zlib.compress(CSV * 50)[2:30], compression=zipfile.ZIP_STORED), 8, b"\x08\x00"),
     "corrupt: the compressed data ends early"),
    (_patched(_one_member(CSV + b"".join(b"%d,t%d,0.5,p\r\n" % (i, i) for i in range(3, 9000)),
                          compression=zipfile.ZIP_DEFLATED), 14, b"\x00\x00\x00\x00"),
     "corrupt: the CSV does not match"),
], ids=["encrypted", "bzip2", "wrong-crc", "deflate-ends-early", "wrong-crc-past-the-header"])
def test_zips_kaggle_never_sends_are_refused(tmp_path, data, reason, reader):
    with pytest.raises(LeaderboardFileError, match=reason):
        READERS[reader](extracted(tmp_path, data))


def test_a_member_cut_short_is_refused(tmp_path):
    data = _one_member(CSV * 200, compression=zipfile.ZIP_DEFLATED)
    directory = data.index(b"PK\x01\x02")
    cut = data[:directory - 40] + data[directory:]  # the data loses its tail; the directory still claims it
    with pytest.raises(LeaderboardFileError, match="corrupt: the directory points outside the file"):
        extracted(tmp_path, cut)


def test_a_member_whose_directory_claims_more_bytes_than_the_file_has_is_refused(tmp_path):
    data = _one_member(CSV * 200, compression=zipfile.ZIP_STORED)
    claimed = len(CSV * 200).to_bytes(4, "little")
    longer = (len(CSV * 200) + 10_000).to_bytes(4, "little")
    with pytest.raises(LeaderboardFileError, match="corrupt: the member is cut short"):
        extracted(tmp_path, data.replace(claimed, longer))


# ---- through the loader into DuckDB


def _setup(settings):
    with db.connect(settings) as con:
        registry.add_competition(con, registry.CompetitionFacts(SLUG, "File Cup", metric="Accuracy"))
        registry.add_participant(con, "p", "P")


def _sync(settings, local_fetch, data: bytes):
    return sync.sync(SLUG, settings, fetch=local_fetch({SLUG: data}))


@pytest.mark.parametrize(
    "csv_text, reason",
    [
        ("Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames\r\n"
         "1,1,a,2026-01-01 00:00:00,zero point nine,1,p\r\n", "row 1 has a score that is not a number"),
        ("Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames\r\n"
         "first,1,a,2026-01-01 00:00:00,0.9,1,p\r\n", "rank that is not a whole number"),
        ("Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames\r\n"
         "1,1,a,2026-01-01 00:00:00,0.9,1,p,extra\r\n", "malformed at line 2"),
        ("Rank,TeamId,TeamName,LastSubmissionDate,Score,SubmissionCount,TeamMemberUserNames\r\n"
         "1,1,\"unterminated,2026-01-01 00:00:00,0.9,1,p\r\n", "malformed"),
    ],
)
def test_malformed_csv_fails_the_sync_with_a_one_line_reason(settings, local_fetch, csv_text, reason):
    _setup(settings)
    result = _sync(settings, local_fetch, zip_with_csv(SLUG, csv_text))
    assert result.outcome == "failed" and reason in result.error and "\n" not in result.error


def test_unknown_extra_columns_are_ignored_and_noted(settings, local_fetch):
    _setup(settings)
    text = "Rank,TeamName,Score,Medal,TeamMemberUserNames\r\n1,a,0.9,gold,p\r\n"
    result = _sync(settings, local_fetch, zip_with_csv(SLUG, text))
    assert result.outcome == "created" and result.matched == 1
    with db.connect(settings) as con:
        assert "ignored unknown columns: Medal" in reads.records(con, queries.RECENT_RUNS, [SLUG, SLUG, 1])[0]["error"]


def test_empty_scores_blank_lines_lf_endings_and_no_bom_load(settings, local_fetch):
    _setup(settings)
    text = "Rank,TeamName,Score,TeamMemberUserNames\n1,a,,p\n2,b,0.5,q\n"
    result = _sync(settings, local_fetch, zip_with_csv(SLUG, text.encode()))
    assert result.outcome == "created" and result.rows == 2
    with db.connect(settings) as con:
        assert reads.records(con, queries.PLATFORM_LEADERBOARD, [SLUG])[0]["score"] is None


def test_a_header_only_file_loads_an_empty_leaderboard(settings, local_fetch):
    _setup(settings)
    result = _sync(settings, local_fetch, zip_with_csv(SLUG, "Rank,TeamName,Score\r\n"))
    assert result.outcome == "created" and result.rows == 0


team_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=60
).filter(lambda s: s.strip() != "" and s == s.strip())


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(team_names, min_size=1, max_size=8))
def test_any_team_name_round_trips_through_the_zip_into_duckdb(settings, local_fetch, names):
    _setup_once(settings)
    rows = [(i + 1, name, 1.0 - i / 100, f"user{i}") for i, name in enumerate(names)]
    result = _sync(settings, local_fetch, zip_of(SLUG, rows))
    if result.outcome == "held":  # under half the teams of the board before: loaded once accepted
        result = held.accept(settings, SLUG)
    assert result.outcome in ("created", "updated", "unchanged"), result.error
    with db.connect(settings) as con:
        stored = [r[0] for r in con.execute(
            "SELECT team_name FROM kaggle_rows WHERE competition_slug = ? ORDER BY position", [SLUG]).fetchall()]
    assert stored == names


def _setup_once(settings):
    with db.connect(settings) as con:
        if reads.competition(con, SLUG) is None:
            registry.add_competition(con, registry.CompetitionFacts(SLUG, "File Cup"))
