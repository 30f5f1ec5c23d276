"""``payfix replay --locale``: the rejects file writes each problem's message in that locale (the
pack's ``problem`` texts): a report's problems, a line that is not JSON, a line too long to read,
a CSV record of the wrong width, a cut-off file, text that is not UTF-8. Rows, types, locations and
order are those of the English run, and without a locale the messages are as found."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from payfix.batch import replay, write_jsonl, write_reports
from payfix.batch.sources import MAX_LINE_BYTES
from payfix.rules.bundled import bundled_pack

from .replay_support import read_rejects

_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")


def _english_words(text: str) -> list[str]:
    """English words of a message beyond quoted values, field and column names and
    ``UPPER_CASE`` constants."""
    text = re.sub(r"`[^`]*`|'[^']*'|\b[A-Z_]{2,}\b|\b\w*_\w*\b", "", text)
    return [word for word in _WORD.findall(text) if len(word) > 1]


def _jsonl(tmp_path: Path) -> Path:
    """JSON Lines with a report of each kind of problem, a line that is not JSON, an empty
    object, and a line longer than a reader takes."""
    source = tmp_path / "in.jsonl"
    write_jsonl(source, 40, 3, 0)
    lines = source.read_bytes().splitlines()
    report = json.loads(lines[5])
    report["attempt"]["amount"]["value"] = "1.005"
    report["attempt"]["kind"] = "lunch"
    lines[5] = json.dumps(report).encode()
    lines[9] = b'{"attempt": {"id": "x"'
    lines[12] = b"{}"
    lines[20] = b'{"pad": "' + b"x" * MAX_LINE_BYTES + b'"}'
    report = json.loads(lines[30])
    report["attempt"]["amount"] = {"value": 2500, "currency": "USD"}
    lines[30] = json.dumps(report).encode()
    source.write_bytes(b"\n".join(lines) + b"\n")
    return source


def _csv(tmp_path: Path) -> Path:
    """A gzip CSV with a record of the wrong width and one that is not UTF-8, cut off half-way."""
    plain = tmp_path / "plain.csv"
    write_reports(plain, 1500, 4, 0)
    lines = plain.read_bytes().splitlines()
    lines[7] = lines[7] + b",extra"
    lines[11] = lines[11].replace(b"syn4", b"s\xffyn4", 1)
    packed = gzip.compress(b"\n".join(lines) + b"\n")
    source = tmp_path / "cut.csv.gz"
    source.write_bytes(packed[:len(packed) * 2 // 3])
    return source


def _rejects(sources: list[Path], tmp_path: Path, name: str, locale: str | None,
             workers: int = 1) -> list[dict[str, Any]]:
    replay(sources, tmp_path / name, tmp_path / f"{name}.jsonl", workers=workers, chunk_rows=500,
           locale=locale)
    return read_rejects(tmp_path / f"{name}.jsonl")


@pytest.mark.parametrize("workers", [1, 2])
def test_rejects_are_written_in_zh_cn_with_the_english_run_s_rows_types_and_places(
        tmp_path: Path, workers: int) -> None:
    sources = [_jsonl(tmp_path), _csv(tmp_path)]
    english = _rejects(sources, tmp_path, "en", None, workers)
    chinese = _rejects(sources, tmp_path, "zh", "zh-CN", workers)
    types = {p["type"] for r in english for p in r["problems"]}
    assert types >= {"value_error", "literal_error", "json_invalid", "missing", "line_too_long",
                     "csv_invalid", "utf8_invalid", "input_truncated"}, types

    def shape(rejects: list[dict[str, Any]]) -> list[Any]:
        return [(r["row"], r["source"], r["record"], r["line"], r["attempt_id"],
                 [(p["type"], p["loc"]) for p in r["problems"]]) for r in rejects]

    assert shape(chinese) == shape(english)
    zh = bundled_pack().texts["problem"]["zh-CN"]
    for reject in chinese:
        for problem in reject["problems"]:
            assert "ctx" not in problem
            assert _english_words(problem["msg"]) == [], problem
    written = {p["type"]: p["msg"] for r in chinese for p in r["problems"]}
    assert written["line_too_long"] == zh["line_too_long"].format(line=21, limit=1)
    assert written["csv_invalid"].startswith("CSV 记录有 ")
    # a row's problems keep the text of their own kind, written once (not the type's generic one)
    assert any("小数位" in p["msg"] for r in chinese for p in r["problems"] if p["type"] == "value_error")
    assert any("第 1 行" in p["msg"] for r in chinese for p in r["problems"] if p["type"] == "json_invalid")


def test_without_a_locale_the_rejects_read_as_found(tmp_path: Path) -> None:
    rejects = _rejects([_jsonl(tmp_path), _csv(tmp_path)], tmp_path, "en", None)
    written = {p["type"]: p["msg"] for r in rejects for p in r["problems"]}
    assert written["line_too_long"] == ("line 21: line is longer than 1 MiB (MAX_LINE_BYTES); it is "
                                        "skipped unread")
    header = len((tmp_path / "plain.csv").read_bytes().splitlines()[0].split(b","))
    assert written["csv_invalid"] == f"CSV record has {header + 1} fields, the header has {header}"
    assert all("ctx" not in p for r in rejects for p in r["problems"])


def test_a_job_started_in_one_locale_resumes_only_in_that_locale(tmp_path: Path) -> None:
    source = _jsonl(tmp_path)
    replay([source], tmp_path / "out", tmp_path / "r.jsonl", workers=1, chunk_rows=500,
           locale="zh-CN")
    with pytest.raises(ValueError, match="cannot resume: locale differ"):
        replay([source], tmp_path / "out", tmp_path / "r.jsonl", workers=1, chunk_rows=500,
               resume=True)


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from payfix.batch.cli import run

    from .replay_support import batch_parser

    code = run(batch_parser().parse_args(argv))
    return code, capsys.readouterr().err


def test_replay_s_closing_lines_are_written_in_zh_cn(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A file mostly rejected, an input that cannot be read and an interrupted run say so in
    the locale asked for (English as before without one)."""
    source = tmp_path / "bad.jsonl"
    source.write_text("{}\n" * 10, encoding="utf-8")
    args = ["replay", str(source), "--out", str(tmp_path / "o"), "--rejects", str(tmp_path / "r"),
            "--workers", "1"]
    code, err = _cli([*args, "--locale", "zh-CN"], capsys)
    assert code == 1
    assert "payfix replay：拒收率 1.0000 高于 --max-reject-rate 0.5" in err
    code, err = _cli(["replay", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "p"),
                      "--rejects", str(tmp_path / "q"), "--locale", "zh-CN"], capsys)
    assert (code, err.strip()) == (2, f"payfix replay：无法读取输入 {tmp_path / 'none.jsonl'}")
    code, err = _cli(["replay", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "p"),
                      "--rejects", str(tmp_path / "q")], capsys)
    assert err.strip() == f"payfix replay: cannot read input {tmp_path / 'none.jsonl'}"


def test_an_interrupted_replay_says_how_to_resume_in_zh_cn(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import payfix.batch.cli as batch_cli

    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_cli, "_replay", interrupted)
    code, err = _cli(["replay", "x.jsonl", "--out", "o", "--rejects", "r", "--locale", "zh-CN"],
                     capsys)
    assert (code, err.strip()) == (
        130, "payfix replay：已中断；已提交的分块都保留：用 --resume 运行同一命令即可完成")
    code, err = _cli(["replay", "x.jsonl", "--out", "o", "--rejects", "r"], capsys)
    assert err.strip() == ("payfix replay: interrupted; committed chunks are kept: run the same "
                           "command with --resume to finish")


def _synth(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from payfix.batch.cli import run

    from .replay_support import batch_parser

    code = run(batch_parser().parse_args(["synth", "--rows", "5", "--seed", "1", *argv]))
    return code, capsys.readouterr().err


def _bad_profile(tmp_path: Path) -> Path:
    """card-online with shares that do not add up, an 'approved' failure and an unlisted source."""
    from payfix.batch.synthprofile import PROFILES

    text = (Path(__file__).resolve().parents[1] / "src" / "payfix" / "batch" / "profiles"
            / f"{PROFILES[0]}.yaml").read_text(encoding="utf-8")
    text = text.replace("share: 38,", "share: 37,", 1).replace(
        "reason: insufficient_funds", "reason: approved", 1).replace(
        "sources: [ethoca_2016, nationwide_2016]", "sources: [nowhere_2020]", 1)
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_synth_s_refusals_are_written_in_zh_cn(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "x.jsonl")
    missing = tmp_path / "title.yaml"
    missing.write_text("sources: []\n", encoding="utf-8")
    cases = {
        "checks": ["--out", out, "--profile", str(_bad_profile(tmp_path))],
        "field": ["--out", out, "--profile", str(missing)],
        "unknown": ["--out", out, "--profile", "nope"],
        "native": ["--out", out, "--native"],
    }
    for name, argv in cases.items():
        code, english = _synth(argv, capsys)
        assert code == 2, (name, english)
        assert english.startswith("payfix synth: "), (name, english)
        code, chinese = _synth([*argv, "--locale", "zh-CN"], capsys)
        assert code == 2, (name, chinese)
        assert chinese != english, (name, chinese)
        said = chinese.removeprefix("payfix synth: ")
        said = re.sub(r"'[^']*'|[\w<>-]*[._/:][\w.<>/-]*|--?[\w-]+", "", said)
        assert [w for w in _WORD.findall(said) if len(w) > 1 and w not in {
            "card", "online", "wallet", "upi", "root", "title", "Stripe", "Checkout", "Braintree",
            "approved"}] == [], (name, chinese)
    _, chinese = _synth([*cases["checks"], "--locale", "zh-CN"], capsys)
    assert "各原因的份额之和必须为 100；'approved' 不是失败；未列出的来源：nowhere_2020" in chinese


def test_a_refused_replay_says_why_in_zh_cn(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """An output directory holding another run, a resume with other settings, an input of a
    format payfix does not read and a place it cannot write are refused in the locale asked for;
    in English as before."""
    source = tmp_path / "in.jsonl"
    write_jsonl(source, 20, 3, 0)
    out, rejects = tmp_path / "out", tmp_path / "r.jsonl"
    base = ["replay", str(source), "--out", str(out), "--rejects", str(rejects), "--workers", "1"]
    assert _cli(base, capsys)[0] == 0
    cases = {
        "earlier": (base, f"payfix replay：{out} 中已有一次回放；请继续它（--resume），或使用空目录",
                    f"payfix replay: {out} holds an earlier replay; resume it or use an empty "
                    "directory"),
        "resume": ([*base, "--resume", "--chunk-rows", "7"],
                   "payfix replay：无法继续：chunk_rows, locale 与中断的那次运行不同",
                   "payfix replay: cannot resume: chunk_rows differ from the interrupted run"),
        "format": (["replay", str(tmp_path / "in.txt"), "--out", str(tmp_path / "o2"),
                    "--rejects", str(rejects)], None, None),
        "unwritable": (["replay", str(source), "--out", str(source), "--rejects", str(rejects)],
                       f"payfix replay：无法写入 {source}：它不是目录",
                       f"payfix replay: cannot write output directory {source}: it is not a "
                       "directory"),
    }
    (tmp_path / "in.txt").write_text("x\n", encoding="utf-8")
    for name, (argv, chinese, english) in cases.items():
        code, said_en = _cli(argv, capsys)
        code_zh, said_zh = _cli([*argv, "--locale", "zh-CN"], capsys)
        assert (code, code_zh) == (2, 2), name
        if english is not None:
            assert (said_en.strip(), said_zh.strip()) == (english, chinese), name
        else:
            assert said_zh.strip() == (f"payfix replay：{tmp_path / 'in.txt'}：不支持的输入；请用 "
                                       ".jsonl、.csv 或 .parquet（.jsonl 和 .csv 可以 .gz 或 .zst 结尾）")


def test_the_spark_job_refuses_in_the_locale_asked_for(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The Spark job's own refusals (before any Spark work) and its usage errors follow --locale."""
    pytest.importorskip("pyspark")
    from payfix.spark import main as job

    missing = str(tmp_path / "none.jsonl")
    argv = [missing, "--out", str(tmp_path / "o"), "--rejects", str(tmp_path / "r")]
    assert job(argv) == 2
    assert capsys.readouterr().err.strip() == f"payfix spark: cannot read input {missing}"
    assert job([*argv, "--locale", "zh-CN"]) == 2
    assert capsys.readouterr().err.strip() == f"payfix spark：无法读取输入 {missing}"
    assert job([str(tmp_path / "in.csv"), *argv[1:], "--locale", "zh-CN"]) == 2
    assert capsys.readouterr().err.startswith("payfix spark：Spark 作业读取 JSON Lines")
    with pytest.raises(SystemExit):
        job(["--locale", "zh-CN"])
    assert capsys.readouterr().err.strip().endswith("python -m payfix.spark：错误：缺少必需的参数："
                                                    "INPUT, --out, --rejects")
