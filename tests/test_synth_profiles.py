"""``payfix synth --profile``: synthetic failures drawn from a published mix. Every share rests on
a cited source or says it is an assumption; a diagnosis of the rows reads the mix back (reasons,
unmapped codes), no row is a success, few need a person, and the time axis follows the
profile's weekday and hour weights."""

from __future__ import annotations

import collections
import csv
import math
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from payfix import Diagnoser, adapt, parse_report
from payfix.batch.synth import synth_reports
from payfix.batch.synthfiles import write_reports
from payfix.batch.synthprofile import OFFLINE, PROFILES, Profile, load_profile
from payfix.cli import main

ROWS = 6000


@pytest.fixture(scope="module")
def outlines() -> dict[str, list[tuple[dict[str, Any], Any]]]:
    diagnoser = Diagnoser(engine="compiled", audience="agent")
    return {name: [(report, diagnoser.outline(parse_report(report)))
                   for report in synth_reports(ROWS, seed=11, profile=name)]
            for name in PROFILES}


@pytest.mark.parametrize("name", PROFILES)
def test_every_share_says_what_it_rests_on(name: str) -> None:
    profile = load_profile(name)
    cited = {source.id for source in profile.sources}
    assert math.isclose(sum(share.share for share in profile.reasons), 100)
    for share in profile.reasons:
        assert share.basis.strip()
        assert set(share.sources) <= cited
        assert share.sources or "assumption" in share.basis, share.reason
    used = {s for share in profile.reasons for s in share.sources} | set(profile.time_sources)
    assert used == cited  # every listed source is used, every used one listed
    assert all(source.url.startswith("http") and source.says for source in profile.sources)


def _expected(profile: Profile) -> dict[str, float]:
    """Each diagnosed reason's expected share: a code no map knows, or a payment that never
    reached the processor, is diagnosed ``unknown``."""
    unmapped = profile.unmapped / 100
    out: dict[str, float] = collections.defaultdict(float)
    for share in profile.reasons:
        if share.reason == OFFLINE:
            out["unknown"] += share.share / 100
        else:
            out[share.reason] += share.share / 100 * (1 - unmapped)
            out["unknown"] += share.share / 100 * unmapped
    return out


@pytest.mark.parametrize("name", PROFILES)
def test_a_diagnosis_reads_the_profile_mix_back(name: str, outlines: dict[str, Any]) -> None:
    """Each reason's share among the diagnosed rows is the profile's, within four standard
    errors: every row's code carries the reason it was drawn for."""
    seen = collections.Counter(outline.reason for _, outline in outlines[name])
    for reason, share in _expected(load_profile(name)).items():
        tolerance = 4 * math.sqrt(share * (1 - share) / ROWS) + 0.002
        assert abs(seen[reason] / ROWS - share) <= tolerance, (reason, seen[reason] / ROWS, share)
    assert set(seen) <= set(_expected(load_profile(name)))


@pytest.mark.parametrize("name", PROFILES)
def test_failures_are_failures_and_few_need_a_person(name: str, outlines: dict[str, Any]) -> None:
    rows = outlines[name]
    assert not any(outline.reason == "approved" for _, outline in rows)
    escalated = sum(outline.escalate for _, outline in rows) / ROWS
    assert 0.02 < escalated < 0.2, escalated  # the broad test mix escalates about half


@pytest.mark.parametrize("name", PROFILES)
def test_the_time_axis_follows_the_profile_weights(name: str, outlines: dict[str, Any]) -> None:
    """Failures fall on the profile's busy weekdays and hours (in the payer's local time, as
    ``at`` writes it), and inside its weeks."""
    profile = load_profile(name)
    times = [datetime.fromisoformat(report["attempt"]["at"]) for report, _ in outlines[name]]
    hours = collections.Counter(moment.hour for moment in times)
    weights = [profile.hours[h] * (profile.night.factor if profile.night.start <= h
                                   < profile.night.end else 1) for h in range(24)]
    busy = sorted(range(24), key=lambda h: -weights[h])[:6]
    quiet = sorted(range(24), key=lambda h: weights[h])[:6]
    assert sum(hours[h] for h in busy) > 2 * sum(hours[h] for h in quiet)
    days = collections.Counter(moment.weekday() for moment in times)
    top, bottom = max(range(7), key=profile.weekdays.__getitem__), \
        min(range(7), key=profile.weekdays.__getitem__)
    if profile.weekdays[top] / profile.weekdays[bottom] >= 1.2:
        assert days[top] > days[bottom]
    first, last = min(times).date(), max(times).date()
    assert profile.start <= first
    assert (last - profile.start).days < 7 * profile.weeks


def test_rows_are_valid_and_carry_their_place() -> None:
    offsets = {"EUR": "+01:00", "USD": "-05:00", "GBP": "Z", "INR": "+05:30"}
    for name in PROFILES:
        for report in synth_reports(300, seed=5, profile=name):
            parse_report(report)
            amount = report["attempt"]["amount"]
            assert report["attempt"]["at"].endswith(offsets[amount["currency"]])


def test_the_same_seed_gives_the_same_file(tmp_path: Path) -> None:
    paths = [tmp_path / f"{n}.jsonl" for n in range(3)]
    for path, seed in zip(paths, (4, 4, 5), strict=True):
        write_reports(path, 500, seed, profile="wallet-upi")
    assert paths[0].read_bytes() == paths[1].read_bytes() != paths[2].read_bytes()


def test_the_broad_test_mix_is_unchanged_without_a_profile() -> None:
    """Without a profile the rows are the broad test mix the benchmarks were measured on."""
    first = next(synth_reports(1, seed=7))
    assert first["attempt"]["amount"] == {"value": "240.65", "currency": first["attempt"]["amount"]
                                          ["currency"]}


def test_a_profile_file_is_read_and_checked(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    text = (Path(__file__).resolve().parents[1] / "src" / "payfix" / "batch" / "profiles"
            / "card-online.yaml").read_text(encoding="utf-8")
    good = tmp_path / "mine.yaml"
    good.write_text(text.replace("currencies: {EUR: 45, USD: 35, GBP: 20}",
                                 "currencies: {GBP: 100}"), encoding="utf-8")
    out = tmp_path / "mine.csv"
    assert main(["synth", "--rows", "50", "--seed", "1", "--profile", str(good),
                 "--out", str(out)]) == 0
    with out.open(encoding="utf-8", newline="") as handle:
        assert [row["attempt_currency"] for row in csv.DictReader(handle)] == ["GBP"] * 50
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("share: 38,", "share: 37,"), encoding="utf-8")
    capsys.readouterr()
    target = tmp_path / "never.jsonl"
    assert main(["synth", "--rows", "5", "--seed", "1", "--profile", str(bad),
                 "--out", str(target)]) == 2
    assert "reason shares must add up to 100" in capsys.readouterr().err
    assert not target.exists()
    assert main(["synth", "--rows", "5", "--seed", "1", "--profile", "nope",
                 "--out", str(target)]) == 2
    assert "card-online, wallet-upi" in capsys.readouterr().err
    assert not list(tmp_path.glob(".never*"))


def test_native_rows_are_the_processors_objects_and_read_back(tmp_path: Path) -> None:
    """--native writes each card-online row as a Stripe Charge, a Checkout.com webhook or a
    Braintree transaction (made from the objects their docs show); detection finds each, and a
    diagnosis reads the profile's mix back from them."""
    path = tmp_path / "native.jsonl"
    assert write_reports(path, 3000, 8, profile="card-online", native=True) == 3000
    diagnoser = Diagnoser(engine="compiled", audience="agent")
    sources: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        adapted = adapt(line, "auto")
        sources[adapted.source] += 1
        reasons[diagnoser.outline(adapted.report).reason] += 1
    assert set(sources) == {"stripe", "checkout", "braintree"}
    for reason, share in _expected(load_profile("card-online")).items():
        tolerance = 4 * math.sqrt(share * (1 - share) / 3000) + 0.002
        assert abs(reasons[reason] / 3000 - share) <= tolerance, (reason, reasons[reason], share)


def test_replay_reads_a_file_of_mixed_processors_with_from_auto(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]
                                                                ) -> None:
    path = tmp_path / "native.jsonl"
    assert main(["synth", "--rows", "300", "--seed", "2", "--profile", "card-online", "--native",
                 "--out", str(path)]) == 0
    assert main(["replay", str(path), "--from", "auto", "--out", str(tmp_path / "out"),
                 "--rejects", str(tmp_path / "rejects.jsonl"), "--workers", "1"]) == 0
    assert "rows in: 300, out: 300, rejected: 0" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "said"), [
    (["--profile", "wallet-upi", "--native"], "none of them carries"),
    (["--native"], "native rows need a profile"),
    (["--profile", "card-online", "--native", "--corrupt-share", "0.1"], "no corrupted rows"),
])
def test_native_rows_that_cannot_be_written_are_refused_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str) -> None:
    target = tmp_path / "native.jsonl"
    assert main(["synth", "--rows", "5", "--seed", "1", *args, "--out", str(target)]) == 2
    assert said in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_native_rows_are_json_lines_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"write them as \.jsonl"):
        write_reports(tmp_path / "native.parquet", 5, 1, profile="card-online", native=True)
    assert not list(tmp_path.iterdir())


_ODD = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**9),
                 st.text(max_size=8), st.none(), st.booleans(), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=4), st.floats(), max_size=2))


@given(st.sampled_from(PROFILES), st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_profile_file_is_a_valid_mix_or_a_clear_refusal(name: str, data: st.DataObject) -> None:
    """Any value in any place of a profile file: the profile loads and its rows are valid
    reports, or it is refused with a ValueError that names the place (never another error)."""
    text = (Path(__file__).resolve().parents[1] / "src" / "payfix" / "batch" / "profiles"
            / f"{name}.yaml").read_text(encoding="utf-8")
    mapping = YAML(typ="safe").load(text)
    for _ in range(data.draw(st.integers(1, 3))):
        holder: Any = mapping
        key: Any = data.draw(st.sampled_from(sorted(holder)))
        while isinstance(holder[key], dict | list) and holder[key] and data.draw(st.booleans()):
            holder = holder[key]
            key = data.draw(st.sampled_from(sorted(holder) if isinstance(holder, dict)
                                            else range(len(holder))))
        holder[key] = data.draw(_ODD)
    path = Path(tempfile.mkdtemp()) / "mutated.yaml"
    with path.open("w", encoding="utf-8") as handle:
        YAML(typ="safe").dump(mapping, handle)
    try:
        profile = load_profile(path)
    except ValueError as error:
        refusal = str(error)
    else:
        refusal = ""
    if refusal:
        assert refusal.startswith("mutated.yaml: ")
        return
    for report in synth_reports(20, seed=3, profile=path):
        parse_report(report)
    assert math.isclose(sum(share.share for share in profile.reasons), 100)
