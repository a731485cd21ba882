"""results/<profile>/index.html: the study's front page.

It opens with the question, the headline tables with their significance marks, the key figures and the check
against the paper (results/expected.yaml), then links every section's report, table and figure, and ends with
the manifest: commit, device, package versions and the time of each notebook. Tables are the Markdown files the
notebooks wrote, rendered with mistune (nbconvert's Markdown renderer), so the page shows exactly those numbers.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from csir_lib.core.atomic import write_text

STYLE = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem}
img{max-width:100%;border:1px solid #eee}h2{border-bottom:1px solid #ddd}code{background:#f4f4f4}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(30rem,1fr));gap:1rem}
figcaption{font-size:.9rem;color:#555}nav a{margin-right:.8rem}"""

QUESTION = ("How well do cross-encoders trained on artificially code-switched data (Litschko, Artemova and Plank, "
            "Findings of ACL 2023) re-rank across languages, and do they generalise to low-resource languages "
            "that were not in their training data (MIRACL)?")

#: (notebook, table stem, heading) shown on the front page when the notebook wrote them
HEADLINE_TABLES = (
    ("03_training", "training", "Training: every model's loss against the label prior's, and whether it learned"),
    ("04_main_results", "reference_check", "Every re-ranker against its references on English (its training language)"),
    ("04_main_results", "main_mrr10", "Main results: MRR@10 of every system in every setting, with the references"),
    ("04_main_results", "pooled_gains", "Gains over Zero-shot averaged over each setting's pairs (bootstrap, Holm)"),
    ("04_main_results", "headline", "Code-switching against Zero-shot in CLIR and MLIR per pair, Holm per row"),
    ("06_miracl_low_resource", "miracl_ranking", "MIRACL dev: re-ranking per language"),
)
CHECK_TABLE = ("07_summary", "expected_check", "Our results against the paper's (results/expected.yaml)")
#: (notebook, figure stem, caption)
KEY_FIGURES = (
    ("03_training", "learning_curves", "Learning curves: development MRR@10 during training, with the references"),
    ("04_main_results", "gain_per_setting", "Gain over Zero-shot per setting, with 95% confidence intervals"),
    ("05_ratio_and_unseen", "seen_unseen", "Seen against unseen languages"),
    ("05_ratio_and_unseen", "ratio", "Code-switching ratio p"),
    ("01_lexicon_induction", "lexicon_quality", "Lexicon quality per language"),
    ("06_miracl_low_resource", "miracl_query_side", "MIRACL: query-side analyses for 18 languages"),
)


def markdown_table(path: Path) -> str:
    """A notebook's Markdown table (caption and notes included) as HTML."""
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table"])(path.read_text(encoding="utf-8"))


def _links(folder: Path) -> str:
    """Links to one notebook's report, notebook, metrics, tables and figures."""
    stem = folder.name
    links = [f'<a href="{stem}/{name}">{label}</a>' for name, label in
             ((f"{stem}.html", "report"), (f"{stem}.ipynb", "notebook"), ("metrics.csv", "metrics.csv"))
             if (folder / name).exists()]
    for kind, pattern in (("tables", "*.md"), ("figures", "*.png")):
        for item in sorted((folder / kind).glob(pattern)) if (folder / kind).is_dir() else []:
            links.append(f'<a href="{stem}/{kind}/{item.name}">{html.escape(item.stem)}</a>')
    return f"<li><strong>{html.escape(stem)}</strong>: " + " · ".join(links) + "</li>"


def _tables(folder: Path, tables: tuple[tuple[str, str, str], ...]) -> str:
    """Those of `tables` that exist in `folder`, each under its heading."""
    parts = []
    for stem, name, heading in tables:
        path = folder / stem / "tables" / f"{name}.md"
        if path.exists():
            parts.append(f'<h2>{html.escape(heading)}</h2>\n{markdown_table(path)}'
                         f'<p><a href="{stem}/{stem}.html">section report</a></p>')
    return "\n".join(parts)


def _figures(folder: Path) -> str:
    """The key figures that exist in `folder`."""
    figures = [f'<figure><a href="{stem}/{stem}.html"><img src="{stem}/figures/{name}.png" alt="{html.escape(cap)}">'
               f"</a><figcaption>{html.escape(cap)} ({html.escape(stem)})</figcaption></figure>"
               for stem, name, cap in KEY_FIGURES if (folder / stem / "figures" / f"{name}.png").exists()]
    return f'<h2>Key figures</h2><div class="figures">{"".join(figures)}</div>' if figures else ""


def _manifest(manifest: dict[str, Any]) -> str:
    """Commit, device, package versions and time per notebook."""
    if not manifest:
        return "<h2>Manifest</h2><p>No manifest.json yet: this folder was not written by a finished run_all.</p>"
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v.get('seconds', '-')}</td>"
                   f"<td>{'yes' if v.get('cached') else 'no'}</td></tr>" for k, v in manifest["notebooks"].items())
    total = sum(v.get("seconds", 0) for v in manifest["notebooks"].values())
    packages = ", ".join(f"{html.escape(k)} {html.escape(str(v))}" for k, v in manifest.get("packages", {}).items())
    device = manifest.get("device", {})
    return f"""<h2>Manifest</h2>
<p>Commit <code>{html.escape(str(manifest.get('git_commit', '?'))[:12])}</code>
{'(with uncommitted changes)' if manifest.get('git_dirty') else ''},
finished {html.escape(manifest.get('finished', '?'))},
seeds {html.escape(str(manifest.get('seeds', '?')))}; full record in <a href="manifest.json">manifest.json</a>
(resolved config, package versions, device).</p>
<p>Device: {html.escape(str(device.get('cpu', '?')))}, {device.get('cores', '?')} cores,
GPU {html.escape(str(device.get('cuda') or 'none'))}, Python {html.escape(str(device.get('python', '?')))}.</p>
<table><tr><th>notebook</th><th>wall time (s)</th><th>skipped (inputs unchanged)</th></tr>{rows}
<tr><td><em>total</em></td><td>{total:.1f}</td><td></td></tr></table>
<p>Packages: {packages}</p>"""


def write_index(folder: Path) -> Path:
    """Write `folder/index.html` from what the folder holds now."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    profile = html.escape(manifest.get("profile", folder.name))
    description = html.escape(manifest.get("config", {}).get("description", ""))
    sections = "\n".join(_links(d) for d in sorted(folder.iterdir()) if d.is_dir() and not d.name.startswith("."))
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>csir results: {profile}</title><style>{STYLE}</style></head><body>
<h1>Code-switched cross-lingual retrieval: results ({profile} profile)</h1>
<p><strong>Question.</strong> {html.escape(QUESTION)}</p>
<p><strong>Profile.</strong> {description}</p>
{_tables(folder, HEADLINE_TABLES)}
{_figures(folder)}
{_tables(folder, (CHECK_TABLE,))}
<h2>Sections</h2><ul>{sections}</ul>
{_manifest(manifest)}
</body></html>
"""
    return write_text(folder / "index.html", page)
