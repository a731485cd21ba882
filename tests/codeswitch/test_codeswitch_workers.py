"""Code-switching in worker processes: the same bytes and statistics for any number of workers, errors whole."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csir_lib.cli import main
from csir_lib.codeswitch import parallel as par
from csir_lib.codeswitch.switch import CodeSwitcher, codeswitch_pairs, load_switch_table
from csir_lib.core.cache import cache_key
from csir_lib.core.config import TrainingConfig, load_config
from csir_lib.core.errors import InputError
from csir_lib.data.formats import iter_pairs, write_pairs

CS = Path(__file__).resolve().parent.parent / "fixtures" / "codeswitch"
VOCAB = ["the", "house", "cats", "live", "big", "is", "a", "dog", "What", "in", "(mostly).", '"big",']
P1_EXPECTED = ('What ist die Haus?\tdie Haus ist "groß", istn\'t it?\t1\n'
               "where do Katzen leben\tKatzen leben in die Haus (mostly).\t0\n")  # test_codeswitch's p = 1 fixture


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """53 seeded pairs of fixture words: 11 chunks of 5 (the last of 3)."""
    rng = random.Random(7)
    path = tmp_path_factory.mktemp("pairs") / "pairs.tsv"
    path.write_text("".join(f"{' '.join(rng.choices(VOCAB, k=6))}\t{' '.join(rng.choices(VOCAB, k=25))}\t{i % 2}\n"
                            for i in range(53)), encoding="utf-8")
    return path


def multilingual(seed: int = 3) -> CodeSwitcher:
    """ML-CS toward the fixture's German and Russian lexicons at p = 0.5."""
    lexicons = {"de": load_switch_table(CS / "lex_de.tsv"), "ru": load_switch_table(CS / "lex_ru.tsv")}
    return CodeSwitcher(lexicons, "multilingual", p=0.5, seed=seed)


def one_process(pairs: Path, out: Path, switcher: CodeSwitcher) -> dict:
    """The reference: every pair switched in this process, row by row, as before workers existed."""
    stats = switcher.new_stats()
    write_pairs(out, codeswitch_pairs(iter_pairs(pairs), switcher, stats))
    return stats.to_dict()


def test_workers_1_2_3_write_the_same_bytes_and_statistics(pairs_file: Path, tmp_path: Path) -> None:
    reference = one_process(pairs_file, tmp_path / "reference.tsv", multilingual())
    expected = (tmp_path / "reference.tsv").read_bytes()
    assert reference["pairs"] == 53 and 0 < reference["switched"] < reference["eligible"]
    for workers in (1, 2, 3):
        seen: list[int] = []
        stats = par.switch_file(pairs_file, tmp_path / f"w{workers}.tsv", multilingual(), workers, chunk_pairs=5,
                                progress=seen.append)
        assert (tmp_path / f"w{workers}.tsv").read_bytes() == expected, workers
        assert stats.to_dict() == reference and stats.to_json() == json.dumps(reference, sort_keys=True,
                                                                               ensure_ascii=False)
        assert seen == [5] * 10 + [3]


def test_two_workers_switch_the_p1_fixture_exactly(tmp_path: Path) -> None:
    switcher = CodeSwitcher({"de": load_switch_table(CS / "lex_de.tsv")}, "bilingual", p=1.0)
    stats = par.switch_file(CS / "pairs.tsv", tmp_path / "out.tsv", switcher, workers=2, chunk_pairs=1)
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8") == P1_EXPECTED
    assert (stats.pairs, stats.query.tokens, stats.passage.tokens, stats.total.eligible) == (2, 9, 20, 14)
    assert stats.to_dict()["per_language"] == {"de": 14}


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60))
def test_any_chunking_gives_the_bytes_of_one_chunk(tmp_path_factory: pytest.TempPathFactory, size: int) -> None:
    rng = random.Random(size)
    lines = [f"{' '.join(rng.choices(VOCAB, k=5))}\t{' '.join(rng.choices(VOCAB, k=9))}\t{i % 2}" for i in range(40)]
    switcher = multilingual(seed=size)
    whole, whole_stats = par.switch_lines(switcher, "p.tsv", 1, lines)
    parts = [par.switch_lines(switcher, "p.tsv", first, chunk) for first, chunk in _chunked(lines, size)]
    assert "".join(text for text, _ in parts) == whole
    total = switcher.new_stats()
    for _, part in parts:
        par.add_stats(total, part)
    assert total.to_dict() == whole_stats.to_dict()


def _chunked(lines: list[str], size: int) -> list[tuple[int, list[str]]]:
    """(first line number, lines) runs of `size`, as `chunks` cuts a file."""
    return [(i + 1, lines[i:i + size]) for i in range(0, len(lines), size)]


def test_chunks_streams_contiguous_runs(pairs_file: Path) -> None:
    got = list(par.chunks(pairs_file, 20))
    assert [(first, len(lines)) for first, lines in got] == [(1, 20), (21, 20), (41, 13)]
    assert [line for _, lines in got for line in lines] == pairs_file.read_text(encoding="utf-8").splitlines()


def test_an_input_error_in_a_worker_arrives_whole_and_nothing_is_written(pairs_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    lines = pairs_file.read_text(encoding="utf-8").splitlines(keepends=True)
    bad.write_text("".join(lines[:37]) + "a query\ta passage\tyes\n" + "".join(lines[37:]), encoding="utf-8")
    errors = []
    for workers in (1, 2):
        with pytest.raises(InputError) as err:
            par.switch_file(bad, tmp_path / "out.tsv", multilingual(), workers, chunk_pairs=5)
        errors.append(err.value)
        assert not (tmp_path / "out.tsv").exists()
    assert str(errors[1]) == str(errors[0]) == f"{bad}:38: label 'yes'; expected 'query<TAB>passage<TAB>label' " \
                                               "with label 0 or 1"
    assert (errors[1].path, errors[1].line, type(errors[1])) == (str(bad), 38, InputError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tsv"]


@pytest.mark.parametrize("workers", [0, -1, 257, 1.5, "2", True, None])
def test_bad_worker_counts_are_refused(pairs_file: Path, tmp_path: Path, workers: object) -> None:
    with pytest.raises(InputError, match="an integer from 1") as err:
        par.switch_file(pairs_file, tmp_path / "out.tsv", multilingual(), workers)  # type: ignore[arg-type]
    assert err.value.path == "workers" and not (tmp_path / "out.tsv").exists()


@pytest.mark.parametrize("value", ["0", "-1", "-3", "two", "1.5", "", "300"])
def test_cli_bad_workers_exit_2_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    out = tmp_path / "out.tsv"
    assert main(["codeswitch", "--in", str(CS / "pairs.tsv"), "--out", str(out), "--mode", "bilingual",
                 "--lexicon", f"de={CS / 'lex_de.tsv'}", f"--workers={value}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --workers: ") and "an integer from 1" in err
    assert not out.exists()


def test_cli_workers_2_equals_workers_1(pairs_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(par, "CHUNK_PAIRS", 10)
    lines = []
    for workers in ("1", "2"):
        assert main(["codeswitch", "--in", str(pairs_file), "--out", str(tmp_path / f"{workers}.tsv"), "--mode",
                     "multilingual", "--seed", "9", "--lexicon", f"de={CS / 'lex_de.tsv'}", "--lexicon",
                     f"ru={CS / 'lex_ru.tsv'}", "--workers", workers, "--stats"]) == 0
        lines.append(capsys.readouterr().out)
    assert (tmp_path / "1.tsv").read_bytes() == (tmp_path / "2.tsv").read_bytes()
    assert lines[0] == lines[1] and json.loads(lines[0])["pairs"] == 53


def test_cli_default_is_the_physical_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from csir_lib.commands.codeswitch import _workers
    from csir_lib.retrieval import rerank

    monkeypatch.setattr(rerank, "physical_cores", lambda: 3)
    assert (_workers(None), _workers("1"), _workers(" 2 ")) == (3, 1, 2)


def test_codeswitch_workers_is_no_part_of_a_cache_key() -> None:
    training = TrainingConfig()
    assert cache_key(dataclasses.replace(training, codeswitch_workers=4)) == cache_key(training)
    assert cache_key(dataclasses.replace(training, parallel_sets=3)) == cache_key(training)
    assert cache_key(dataclasses.replace(training, steps=7)) != cache_key(training)
    fields = {f.name: getattr(training, f.name) for f in dataclasses.fields(training)
              if f.name not in ("codeswitch_workers", "parallel_sets")}
    assert cache_key(fields) == cache_key(training)  # keys made before the field existed stay valid
    config = load_config(profile="smoke", overrides={"training.codeswitch_workers": 3})
    assert config.training.codeswitch_workers == 3
    with pytest.raises(InputError, match="training.codeswitch_workers is 0, out of range"):
        load_config(profile="smoke", overrides={"training.codeswitch_workers": 0})


def test_spans_are_the_lines_of_chunks(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_bytes("\ufeffa b\tc d\t1\r\nx\ty\t0\nü\tß\t1\nlast\tline\t0".encode())  # BOM, CRLF, no final newline
    assert list(par.spans(path, 2)) == [(1, 0, 20), (3, 20, 39)]
    got = [(span[0], par.read_span(str(path), span)) for span in par.spans(path, 2)]
    assert got == list(par.chunks(path, 2)) == [(1, ["a b\tc d\t1", "x\ty\t0"]), (3, ["ü\tß\t1", "last\tline\t0"])]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_forked_and_spawned_workers_write_the_same_bytes(pairs_file: Path, tmp_path: Path, method: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    one_process(pairs_file, tmp_path / "reference.tsv", multilingual())
    monkeypatch.setattr(par, "start_method", lambda: method)
    stats = par.switch_file(pairs_file, tmp_path / "out.tsv", multilingual(), 2, chunk_pairs=4)
    assert (tmp_path / "out.tsv").read_bytes() == (tmp_path / "reference.tsv").read_bytes()
    assert stats.pairs == 53 and par._SWITCHER is None  # the parent forgets the switcher it lent the workers


def test_a_gzip_input_is_sent_as_lines_with_the_same_bytes(pairs_file: Path, tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "pairs.tsv.gz"
    packed.write_bytes(gzip.compress(pairs_file.read_bytes()))
    one_process(pairs_file, tmp_path / "reference.tsv", multilingual())
    par.switch_file(packed, tmp_path / "out.tsv", multilingual(), 2, chunk_pairs=6)
    assert (tmp_path / "out.tsv").read_bytes() == (tmp_path / "reference.tsv").read_bytes()


def test_bad_bytes_in_a_workers_range_are_named_by_their_line_in_the_file(pairs_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    lines = pairs_file.read_bytes().splitlines(keepends=True)
    bad.write_bytes(b"".join(lines[:40]) + b"caf\xe9\tx\t1\n" + b"".join(lines[40:]))
    for workers in (1, 2):
        with pytest.raises(InputError, match=r"bad\.tsv:41: invalid UTF-8"):
            par.switch_file(bad, tmp_path / "out.tsv", multilingual(), workers, chunk_pairs=5)
        assert not (tmp_path / "out.tsv").exists()


FORK_CHECK = """
import sys, threading
from csir_lib.codeswitch import parallel as par
alone = par.start_method()
sys.modules["torch"] = sys
with_torch = par.start_method()
del sys.modules["torch"]
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
with_thread = par.start_method()
stop.set()
thread.join()
print(alone, with_torch, with_thread)
"""


def test_fork_only_from_a_single_thread_without_torch() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent.parent
    done = subprocess.run([sys.executable, "-c", FORK_CHECK], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["fork", "spawn", "spawn"]
