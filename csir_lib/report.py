"""results/<profile>/index.html: one page linking every report, table, figure and the manifest."""

from __future__ import annotations

import html
import json
from pathlib import Path

from csir_lib.atomic import write_text

STYLE = """body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
img{max-width:100%;border:1px solid #eee}h2{border-bottom:1px solid #ddd}code{background:#f4f4f4}"""

QUESTION = ("How well do cross-encoders trained on artificially code-switched data (Litschko, Artemova and Plank, "
            "Findings of ACL 2023) re-rank across languages, and do they generalise to low-resource languages "
            "that were not in their training data (MIRACL)?")


def _section(folder: Path) -> str:
    """The index section of one notebook's results folder."""
    stem = folder.name
    parts = [f"<h2>{html.escape(stem)}</h2>"]
    if (folder / f"{stem}.html").exists():
        parts.append(f'<p><a href="{stem}/{stem}.html">report</a> · <a href="{stem}/{stem}.ipynb">notebook</a>'
                     + (f' · <a href="{stem}/metrics.csv">metrics.csv</a>' if (folder / "metrics.csv").exists() else "")
                     + "</p>")
    tables = sorted((folder / "tables").glob("*.md")) if (folder / "tables").exists() else []
    if tables:
        parts.append("<p>Tables: " + ", ".join(
            f'{html.escape(t.stem)} (<a href="{stem}/tables/{t.name}">md</a>'
            + "".join(f', <a href="{stem}/tables/{t.stem}{ext}">{ext[1:]}</a>'
                      for ext in (".csv", ".tex") if t.with_suffix(ext).exists()) + ")" for t in tables) + "</p>")
    figures = sorted((folder / "figures").glob("*.png")) if (folder / "figures").exists() else []
    parts += [f'<figure><img src="{stem}/figures/{f.name}" alt="{html.escape(f.stem)}">'
              f"<figcaption>{html.escape(f.stem)}</figcaption></figure>" for f in figures]
    return "\n".join(parts)


def write_index(folder: Path) -> Path:
    """Write `folder/index.html` from what the folder holds now."""
    manifest = json.loads((folder / "manifest.json").read_text()) if (folder / "manifest.json").exists() else {}
    timings = manifest.get("notebooks", {})
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v.get('seconds', '-')}</td>"
                   f"<td>{'yes' if v.get('cached') else 'no'}</td></tr>" for k, v in timings.items())
    sections = "\n".join(_section(d) for d in sorted(folder.iterdir()) if d.is_dir() and not d.name.startswith("."))
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>csir results: {html.escape(manifest.get('profile', folder.name))}</title><style>{STYLE}</style></head><body>
<h1>Code-switched cross-lingual retrieval: results ({html.escape(manifest.get('profile', folder.name))} profile)</h1>
<p><strong>Question.</strong> {html.escape(QUESTION)}</p>
<p>Commit <code>{html.escape(str(manifest.get('git_commit', '?'))[:12])}</code>
{'(with uncommitted changes)' if manifest.get('git_dirty') else ''} · <a href="manifest.json">manifest.json</a>
(config, package versions, device, seeds)</p>
<table><tr><th>notebook</th><th>wall time (s)</th><th>cached</th></tr>{rows}</table>
{sections}
</body></html>
"""
    return write_text(folder / "index.html", page)
