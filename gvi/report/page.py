"""The HTML page: stylesheet, small markup helpers and the document shell.

Everything is inline (CSS here, images as data URIs) so the file opens offline and can
be e-mailed; the layout is a single readable column that also prints on A4.
"""

from __future__ import annotations

from html import escape
from string import Template

CSS = """
:root { --ink: #1a1a1a; --muted: #4a4a4a; --rule: #d0d4da; --soft: #f3f5f8;
        --accent: #0b4f8a; --hi: #fff4cc; }
* { box-sizing: border-box; }
html { font-size: 16px; -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 62rem; padding: 2rem 1.5rem 3rem; color: var(--ink);
       background: #fff; font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto,
       "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 1rem; margin-bottom: 1rem; }
h1 { font-size: 1.85rem; line-height: 1.2; margin: 0 0 .4rem; color: var(--accent); }
h2 { font-size: 1.4rem; line-height: 1.25; margin: 2.2rem 0 .8rem; padding-top: .6rem;
     border-top: 1px solid var(--rule); }
h3 { font-size: 1.12rem; margin: 1.6rem 0 .5rem; }
p, li { max-width: 48rem; }
.lead { font-size: 1.08rem; margin: 0 0 .8rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
          margin: .6rem 0 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
nav ol { columns: 2; margin: .4rem 0 0; padding-left: 1.4rem; }
nav a { color: var(--accent); }
.callout { background: var(--soft); border-left: 5px solid var(--accent); padding: .6rem 1.2rem;
           margin: .8rem 0 1rem; }
.callout ul { margin: 0; padding-left: 1.1rem; }
.callout li { margin: .45rem 0; font-size: 1.06rem; }
.note { color: var(--muted); font-size: .95rem; }
dl.scenarios dt { font-weight: 700; margin-top: .4rem; }
dl.scenarios dd { margin: 0 0 0 1.2rem; }
.table-wrap { overflow-x: auto; margin: .6rem 0 1rem; }
table { border-collapse: collapse; font-size: .95rem; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: .35rem .6rem; vertical-align: top;
         text-align: left; }
thead th { background: var(--soft); border-bottom: 2px solid #9aa3ad; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
th.num { text-align: right; }
td .ci { display: block; color: var(--muted); font-size: .9em; }
td .ci.inline { display: inline; margin-left: .35rem; }
td.diff { background: var(--hi); }
tbody th { font-weight: 600; }
tr.group-start > * { border-top: 2px solid #9aa3ad; }
code { font: .85em ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
       color: var(--muted); }
.path { display: block; font-weight: 400; font-size: .85em; color: var(--muted); }
table.settings td, table.settings th.num { text-align: center; }
td.unclear, td.unclear .ci { color: #6a6a6a; }
figure { margin: 1rem 0; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .95rem; margin-top: .4rem; }
strong.name { white-space: nowrap; }
@page { size: A4; margin: 15mm 13mm; }
@media print {
  html { font-size: 11pt; }
  body { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  figure, tr, .callout { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  table { font-size: 9.5pt; }
  th, td { padding: .25rem .4rem; }
  td.num { white-space: normal; }
  a { color: inherit; text-decoration: none; }
  td.diff { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

DOCUMENT = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>$css</style>
</head>
<body>
$body
</body>
</html>
"""
)


def esc(value: object) -> str:
    """Text content, escaped."""
    return escape(str(value), quote=False)


def attr(value: object) -> str:
    """An attribute value, escaped."""
    return escape(str(value), quote=True)


def colname(n: str) -> str:
    """A scenario name as a column heading: may wrap after underscores."""
    return esc(n).replace("_", "_<wbr>")


def name(n: str) -> str:
    """A scenario name in running text."""
    return f'<strong class="name">{esc(n)}</strong>'


def fill(template: str, **fragments: str) -> str:
    """Escape a text template, then insert ready-made HTML fragments."""
    return esc(template).format(**fragments)


def paragraphs(text: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return "".join(f"<p{klass}>{esc(p)}</p>" for p in text.split("\n") if p.strip())


def section(ident: str, heading: str, body: str) -> str:
    return f'<section id="{attr(ident)}">\n<h2>{esc(heading)}</h2>\n{body}\n</section>'


def figure(uri: str, alt: str, caption: str) -> str:
    return f'<figure><img src="{uri}" alt="{attr(alt)}"><figcaption>{caption}</figcaption></figure>'


def value(main: str, interval: str | None = None, *, inline: bool = False) -> str:
    """A table cell body: the value, and its interval in small print below (or after)."""
    if interval is None:
        return esc(main)
    if inline:
        return f'{esc(main)}<span class="ci inline">({esc(interval)})</span>'
    return f'{esc(main)}<span class="ci">{esc(interval)}</span>'


def table(head: list[str], rows: list[str], *, numeric_from: int = 1, cls: str = "") -> str:
    """``head``: escaped header texts; ``rows``: ready ``<tr>`` elements."""
    num = ' class="num"'
    cells = "".join(
        f'<th scope="col"{num if i >= numeric_from else ""}>{h}</th>' for i, h in enumerate(head)
    )
    klass = f' class="{cls}"' if cls else ""
    body = "\n".join(rows)
    return (
        f'<div class="table-wrap"><table{klass}><thead><tr>{cells}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def row(first: str, cells: list[str], *, classes: list[str] | None = None, tr: str = "") -> str:
    """A body row: a header cell, then numeric cells (optional extra classes each)."""
    classes = classes or [""] * len(cells)
    tds = "".join(
        f'<td class="num{(" " + k) if k else ""}">{c}</td>'
        for c, k in zip(cells, classes, strict=True)
    )
    klass = f' class="{tr}"' if tr else ""
    return f'<tr{klass}><th scope="row">{first}</th>{tds}</tr>'


def document(lang: str, title: str, body: str) -> str:
    return DOCUMENT.substitute(lang=lang, title=esc(title), css=CSS, body=body)
