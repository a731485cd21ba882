"""The front page (results/<profile>/index.html): its content, and that it renders in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from csir_lib.report.front_page import write_index

TABLE = """Main results (MRR@10 x100)

| Setting | Pair | zero_shot | ml_cs |
|---|---|---:|---:|
| CLIR | EN-DE | 15.6 | **17.9**† |

†: corrected p < 0.05 against zero_shot.
"""
CHECK = """| id | status |
|---|---|
| clir-cs-gain | NOT-COMPARABLE |
"""
MANIFEST = {"git_commit": "0123456789abcdef", "git_dirty": False, "profile": "smoke", "seeds": [1, 2],
            "config": {"description": "Tests & CI"}, "packages": {"torch": "2.13.0"},
            "device": {"cpu": "x86_64", "cores": 2, "cuda": None, "python": "3.11.7"},
            "notebooks": {"04_main_results": {"cached": False, "seconds": 51.2},
                          "07_summary": {"cached": True, "seconds": 0.4}},
            "finished": "2026-11-29T12:00:00+00:00"}


def _png(path: Path) -> None:
    """A small real PNG figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.bar(["zero_shot", "ml_cs"], [15.6, 17.9])
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


@pytest.fixture()
def results(tmp_path: Path) -> Path:
    """A results folder as run_all.sh leaves it: two sections, a headline table, a figure, a manifest."""
    main = tmp_path / "04_main_results"
    (main / "tables").mkdir(parents=True)
    (main / "tables" / "main_mrr10.md").write_text(TABLE, encoding="utf-8")
    (main / "04_main_results.html").write_text("<html></html>", encoding="utf-8")
    _png(main / "figures" / "gain_per_setting.png")
    summary = tmp_path / "07_summary" / "tables"
    summary.mkdir(parents=True)
    (summary / "expected_check.md").write_text(CHECK, encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    return tmp_path


def test_front_page_leads_with_question_headline_figures_check_and_manifest(results):
    page = write_index(results).read_text(encoding="utf-8")
    order = [page.index(s) for s in ("Question.", "Main results", "<strong>17.9</strong>†", "gain_per_setting.png",
                                     "clir-cs-gain", "<h2>Sections</h2>", "<code>0123456789ab</code>",
                                     "<td>51.2</td>", "torch 2.13.0")]
    assert order == sorted(order)
    assert "Tests &amp; CI" in page and "(with uncommitted changes)" not in page
    assert "<td><em>total</em></td><td>51.6</td>" in page


def test_front_page_without_manifest_says_so(tmp_path):
    (tmp_path / "01_lexicon_induction").mkdir()
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert "No manifest.json yet" in page and "01_lexicon_induction" in page


def chromium() -> str:
    """The Chromium binary; missing is a failure in CI (its set-up installs it) and a skip elsewhere."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: ./run_tests.sh installs Debian's chromium package as root")
        pytest.skip("chromium is not installed (./run_tests.sh installs it as root where apt exists)")
    return found


def render(index: Path, tmp_path: Path) -> dict:
    """Open `index` in headless Chromium and report its tables, rows and images, and which images failed."""
    probe = tmp_path / "probe.html"
    probe.write_text(f"""<!doctype html><html><body><iframe id="f" width="1200" height="900"
src="{index.as_uri()}"></iframe><script>
document.getElementById('f').addEventListener('load', () => {{
  const d = document.getElementById('f').contentDocument;
  const images = [...d.images];
  const out = {{tables: d.querySelectorAll('table').length, rows: d.querySelectorAll('tr').length,
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    title: d.title}};
  const pre = document.createElement('pre'); pre.id = 'result'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}});
</script></body></html>""", encoding="utf-8")
    done = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                           "--virtual-time-budget=15000", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           probe.as_uri()], capture_output=True, text=True, timeout=120)
    start = done.stdout.find('<pre id="result">')
    assert start >= 0, f"Chromium did not run the probe: {done.stderr[-800:]}"
    text = done.stdout[start + len('<pre id="result">'):done.stdout.index("</pre>", start)]
    return json.loads(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def test_front_page_renders_tables_and_images_in_chromium(results, tmp_path):
    shown = render(write_index(results), tmp_path)
    # tables: headline, expected check, time per notebook; rows (header included): 2 + 2 + (1 + 2 notebooks + total)
    assert shown == {"tables": 3, "rows": 2 + 2 + 4, "images": 1, "broken": [], "title": "csir results: smoke"}


def test_chromium_probe_notices_a_broken_image(results, tmp_path):
    index = write_index(results)
    (results / "04_main_results" / "figures" / "gain_per_setting.png").write_bytes(b"not a png")
    assert render(index, tmp_path)["broken"] == ["04_main_results/figures/gain_per_setting.png"]
