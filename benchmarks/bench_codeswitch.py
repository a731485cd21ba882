"""Throughput of `switch_file` against a plain reference loop on the same MS MARCO-shaped pairs.

The reference is what the paper's code does per text: Treebank tokenise, one random draw per token, a dict
look-up, Treebank detokenise, reading and writing the same files. Both run end to end, I/O included, in this
process, after NLTK is imported (its import, about 3 s, is left out of both). Memory: `switch_file` runs
in two fresh subprocesses on a small and the full file and reports each one's peak RSS (flat in input size
when the two are close).

    python benchmarks/bench_codeswitch.py [--pairs 100000] [--p 0.5] [--seed 1]

prints one JSON object; `ratio` is reference wall seconds / ours, `cpu_ratio` the same in process CPU seconds
(steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VOCAB_SIZE = 5000
FUNCTION_WORDS = "the of and to a in is that for it as was with be by on not he this are or his from at which".split()


def make_vocabulary(rng: random.Random) -> list[str]:
    """English-looking made-up words plus common function words, most frequent first."""
    consonants, vowels = "bcdfghklmnprstvw", "aeiou"
    words = list(FUNCTION_WORDS)
    seen = set(words)
    while len(words) < VOCAB_SIZE:
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(1, 4)))
        word += rng.choice(["", "s", "ed", "ing", "n", "r"])
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def make_text(rng: random.Random, vocab: list[str], weights: list[float], n_words: int, question: bool) -> str:
    """A text of about `n_words` Zipf-distributed words with sentences, commas, possessives and brackets."""
    words = rng.choices(vocab, weights=weights, k=n_words)
    out, start = [], True
    for i, word in enumerate(words):
        word = word.capitalize() if start else word
        start = False
        roll = rng.random()
        if roll < 0.02:
            word += "'s"
        elif roll < 0.03:
            word = f"({word})"
        elif roll < 0.04:
            word = f'"{word}"'
        elif roll < 0.10 and i < n_words - 1:
            word += ","
        elif roll < 0.16 and i < n_words - 1 and not question:
            word, start = word + ".", True
        out.append(word)
    return " ".join(out) + ("?" if question else ".")


def make_pairs(path: Path, n_pairs: int, seed: int) -> dict[str, str]:
    """Write `n_pairs` pairs (each query in five pairs, one positive) and return a lexicon covering 70% of words."""
    rng = random.Random(seed)
    vocab = make_vocabulary(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n_pairs):
            if i % 5 == 0:
                query = make_text(rng, vocab, weights, rng.randint(6, 14), question=True)
            passage = make_text(rng, vocab, weights, rng.randint(45, 75), question=False)
            fh.write(f"{query}\t{passage}\t{int(i % 5 == 0)}\n")
    return {word: word[::-1] + "ü" for word in vocab if rng.random() < 0.7}


def reference_loop(in_path: Path, out_path: Path, lexicon: dict[str, str], p: float, seed: int) -> None:
    """The paper's per-text procedure: tokenise, draw per token, look up, detokenise."""
    from nltk.tokenize import TreebankWordDetokenizer, TreebankWordTokenizer

    tokenizer, detokenizer, rng = TreebankWordTokenizer(), TreebankWordDetokenizer(), random.Random(seed)
    with open(in_path, encoding="utf-8") as fin, open(out_path, "w", encoding="utf-8") as fout:
        for line in fin:
            query, passage, label = line.rstrip("\n").split("\t")
            switched = []
            for text in (query, passage):
                tokens = []
                for token in tokenizer.tokenize(text):
                    if rng.random() < p and token.lower() in lexicon:
                        token = lexicon[token.lower()]
                    tokens.append(token)
                switched.append(detokenizer.detokenize(tokens))
            fout.write(f"{switched[0]}\t{switched[1]}\t{label}\n")


def ours(in_path: Path, out_path: Path, lexicon: dict[str, str], p: float, seed: int) -> dict:
    """`switch_file` in bilingual mode; returns its statistics."""
    from csir_lib.codeswitch.parallel import switch_file
    from csir_lib.codeswitch.switch import CodeSwitcher

    return switch_file(in_path, out_path, CodeSwitcher({"de": lexicon}, "bilingual", p=p, seed=seed)).to_dict()


PEAK_RSS = """
import json, resource, sys
from csir_lib.codeswitch.parallel import switch_file
from csir_lib.codeswitch.switch import CodeSwitcher
lexicon = json.load(open(sys.argv[3], encoding="utf-8"))
switch_file(sys.argv[1], sys.argv[2], CodeSwitcher({"de": lexicon}, "bilingual", p=0.5, seed=1))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_kb(in_path: Path, out_path: Path, lexicon_path: Path) -> int:
    """Peak resident memory (kB) of a fresh process that switches `in_path`."""
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, str(in_path), str(out_path), str(lexicon_path)],
                          check=True, capture_output=True, text=True)
    return int(done.stdout.strip())


def main() -> None:
    """Generate the pairs, time both, measure memory, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--p", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pairs, small = tmp / "pairs.tsv", tmp / "small.tsv"
        lexicon = make_pairs(pairs, args.pairs, args.seed)
        make_pairs(small, args.pairs // 10, args.seed)
        lexicon_path = tmp / "lexicon.json"
        lexicon_path.write_text(json.dumps(lexicon), encoding="utf-8")

        import nltk.tokenize  # noqa: F401 - the 3 s import of NLTK is paid before either clock starts

        start, cpu = time.perf_counter(), time.process_time()
        stats = ours(pairs, tmp / "ours.tsv", lexicon, args.p, args.seed)
        ours_s, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        reference_loop(pairs, tmp / "reference.tsv", lexicon, args.p, args.seed)
        reference_s, reference_cpu = time.perf_counter() - start, time.process_time() - cpu

        rss_small = peak_rss_kb(small, tmp / "o1.tsv", lexicon_path)
        rss_full = peak_rss_kb(pairs, tmp / "o2.tsv", lexicon_path)
    print(json.dumps({
        "pairs": args.pairs, "p": args.p, "tokens": stats["tokens"], "switch_rate": stats["switch_rate"],
        "ours_s": round(ours_s, 2), "reference_s": round(reference_s, 2), "ratio": round(reference_s / ours_s, 2),
        "ours_cpu_s": round(ours_cpu, 2), "reference_cpu_s": round(reference_cpu, 2),
        "cpu_ratio": round(reference_cpu / ours_cpu, 2),
        "pairs_per_s": round(args.pairs / ours_s), f"peak_rss_mb_{args.pairs // 10}_pairs": round(rss_small / 1024),
        f"peak_rss_mb_{args.pairs}_pairs": round(rss_full / 1024),
    }, indent=2))


if __name__ == "__main__":
    main()
