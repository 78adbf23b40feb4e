"""``report.html``: one self-contained page (no script, no network) rendered from ``report.json``.

It shows the summary by source and verdict; the dependency graph of the claims coloured by
verdict, laid out here as inline SVG (a claim whose dependency did not pass, directly or further
up, is outlined in red); then per claim its statement as MathML (pre-rendered with
``latex2mathml``; browsers draw it natively, so nothing is fetched), the citation, hypotheses,
every check with its verdict, margin, power figure and tolerance, the counterexample and the
reproduce command, and its figures inlined as base64 PNG.
"""
from __future__ import annotations

import base64
import html
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

OK = ("proved", "passed", "xfail", "skipped")
COLOURS = {"proved": "#1a7f37", "passed": "#2da44e", "xfail": "#bf8700", "skipped": "#8c959f",
           "failed": "#cf222e", "unexpected-pass": "#a40e26", "error": "#8250df"}
ORDER = ("failed", "unexpected-pass", "error", "passed", "proved", "xfail", "skipped")

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1200px;padding:0 1.2em 4em;color:#1f2328}
h1{font-size:1.6em;margin:.8em 0 .2em} h2{margin-top:1.6em;border-bottom:1px solid #d0d7de}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
pre{background:#f6f8fa;padding:.6em .8em;border-radius:6px;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;margin:.5em 0} th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa} td.num{text-align:right}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px}
.claim{border:1px solid #d0d7de;border-radius:8px;padding:.4em 1em 1em;margin:1em 0}
.claim.bad{border-color:#cf222e;box-shadow:0 0 0 1px #cf222e inset}
.meta{color:#59636e} .stmt{font-size:1.15em;overflow-x:auto;padding:.3em 0}
.graph{overflow-x:auto;border:1px solid #d0d7de;border-radius:6px;background:#fff}
img.fig{max-width:100%;border:1px solid #eaeef2;margin:.3em 0}
.totals span{margin-right:1em}
pre.reproduce{white-space:pre;overflow-x:auto;word-break:normal}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _badge(verdict: str) -> str:
    return f'<span class="badge" style="background:{COLOURS.get(verdict, "#57606a")}">{_e(verdict)}</span>'


def _anchor(claim_id: str, variant: str = "") -> str:
    return "c-" + "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in claim_id + ("." + variant if variant else ""))


def math_html(latex: str) -> str:
    """The statement as MathML (displayed natively by browsers); LaTeX source as code otherwise."""
    source = " ".join((latex or "").split())
    if not source:
        return ""
    try:
        from latex2mathml.converter import convert

        return convert(source, display="block")
    except Exception:  # noqa: BLE001 - no converter, or a construct it does not know
        return f"<code>{_e(source)}</code>"


def _downstream_of_failures(claims: list[dict]) -> dict[str, list[str]]:
    """For each claim, the claims up its dependency chain (transitively) that did not pass."""
    verdict = {c["id"]: c["verdict"] for c in claims if not c.get("variant")}
    deps = {c["id"]: [d for d in c.get("depends_on", []) if d in verdict] for c in claims if not c.get("variant")}
    memo: dict[str, set[str]] = {}

    def bad_above(cid: str, stack: tuple = ()) -> set[str]:
        if cid in memo:
            return memo[cid]
        found: set[str] = set()
        for d in deps.get(cid, []):
            if d in stack:
                continue
            if verdict[d] not in OK:
                found.add(d)
            found |= bad_above(d, stack + (cid,))
        memo[cid] = found
        return found

    return {cid: sorted(bad_above(cid)) for cid in deps}


def graph_svg(claims: list[dict], limit_isolated: int = 40) -> str:
    """The dependency graph, layered left to right by dependency depth, as inline SVG."""
    nodes = [c for c in claims if not c.get("variant")]
    ids = {c["id"] for c in nodes}
    edges = [(d, c["id"]) for c in nodes for d in c.get("depends_on", []) if d in ids]
    linked = {a for e in edges for a in e}
    shown = nodes if (len(nodes) <= limit_isolated or not edges) else [c for c in nodes if c["id"] in linked]
    hidden = len(nodes) - len(shown)
    by_id = {c["id"]: c for c in shown}
    depth: dict[str, int] = {}

    def level(cid: str, stack: tuple = ()) -> int:
        if cid in depth:
            return depth[cid]
        ups = [d for d in by_id[cid].get("depends_on", []) if d in by_id and d not in stack]
        depth[cid] = 0 if not ups else 1 + max(level(d, stack + (cid,)) for d in ups)
        return depth[cid]

    columns: dict[int, list[str]] = defaultdict(list)
    for c in shown:
        columns[level(c["id"])].append(c["id"])
    downstream = _downstream_of_failures(claims)
    char_w, box_h, gap_y, gap_x, pad = 7.0, 22, 8, 70, 12
    widths = {k: max(len(i) for i in col) * char_w + 16 for k, col in columns.items()}
    xs, x = {}, pad
    for k in sorted(columns):
        xs[k] = x
        x += widths[k] + gap_x
    pos = {}
    for k, col in columns.items():
        for row, cid in enumerate(sorted(col)):
            pos[cid] = (xs[k], pad + row * (box_h + gap_y), widths[k])
    width = int(x - gap_x + pad) if columns else 200
    height = int(max((p[1] for p in pos.values()), default=0) + box_h + pad)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="dependency-graph" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="dependency graph of the claims">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#57606a"/></marker></defs>']
    for a, b in edges:
        if a not in pos or b not in pos:
            continue
        (ax, ay, aw), (bx, by, _) = pos[a], pos[b]
        x1, y1, x2, y2 = ax + aw, ay + box_h / 2, bx, by + box_h / 2
        bad = by_id[a]["verdict"] not in OK or bool(downstream.get(a))
        colour = "#cf222e" if bad else "#8c959f"
        mid = (x1 + x2) / 2
        parts.append(f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
                     f'fill="none" stroke="{colour}" stroke-width="1.2" marker-end="url(#arrow)"/>')
    for cid, (px, py, w) in pos.items():
        c = by_id[cid]
        fill = COLOURS.get(c["verdict"], "#57606a")
        blocked = downstream.get(cid)
        stroke = 'stroke="#cf222e" stroke-width="3" stroke-dasharray="4 2"' if blocked else 'stroke="#ffffff"'
        tip = f"{cid}: {c['verdict']}" + (f"; depends on claims that did not pass: {', '.join(blocked)}" if blocked else "")
        parts.append(f'<a href="#{_anchor(cid)}"><g class="node" data-id="{_e(cid)}" data-verdict="{_e(c["verdict"])}">'
                     f'<title>{_e(tip)}</title><rect x="{px:.1f}" y="{py:.1f}" width="{w:.1f}" height="{box_h}" rx="5" '
                     f'fill="{fill}" {stroke}/><text x="{px + 8:.1f}" y="{py + 15:.1f}" font-family="monospace" '
                     f'font-size="11.5" fill="#ffffff">{_e(cid)}</text></g></a>')
    parts.append("</svg>")
    note = f"{hidden} claims with no dependency either way are not drawn. " if hidden else ""
    return ("".join(parts) + f"<p class='meta'>{_e(note)}Arrows point from a claim to the claims that depend on "
            "it; a dashed red outline marks a claim with a dependency that did not pass (directly or further up).</p>")


def _figure_html(folder: Path | None, rel: str) -> str:
    path = (folder / rel) if folder is not None else Path(rel)
    try:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return f"<p class='meta'>figure {_e(rel)} is missing</p>"
    return f'<figure><img class="fig" alt="{_e(rel)}" src="data:image/png;base64,{data}"><figcaption class="meta">{_e(rel)}</figcaption></figure>'


def _power(check: dict) -> str:
    power = check.get("power")
    if isinstance(power, dict) and power.get("figure"):
        return _e(power["figure"])
    if power not in (None, "", {}):
        return _e(power if isinstance(power, str) else json.dumps(power))
    ev = check.get("evidence") or {}
    rel = ev.get("min_detectable_relative_discrepancy_99pct_power")
    if isinstance(rel, (int, float)):
        return f"detects {rel:.2%} of the claimed value with 99 % power"
    if "tightness_observed_over_claimed" in ev and ev["tightness_observed_over_claimed"] is not None:
        return f"tightness {ev['tightness_observed_over_claimed']:.4g}"
    if "tightness_max_observed_over_claimed" in ev:
        return f"tightness {ev['tightness_max_observed_over_claimed']:.4g}"
    if "ci_low" in ev:
        return f"slope CI [{ev['ci_low']:.3f}, {ev['ci_high']:.3f}]"
    return "—"


def _compact(value: Any, limit: int = 600) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


def _claim_html(c: dict, folder: Path | None, downstream: dict[str, list[str]]) -> str:
    bad = c["verdict"] not in OK
    name = c["id"] + (f" [mutant: {c['variant']}]" if c.get("variant") else "")
    out = [f'<section class="claim{" bad" if bad else ""}" id="{_anchor(c["id"], c.get("variant", ""))}">',
           f'<h3><code>{_e(name)}</code> {_badge(c["verdict"])}</h3>',
           f'<div class="meta">{_e(c.get("title"))} — {_e(c.get("source"))} — status {_e(c.get("status"))}, '
           f'{float(c.get("seconds", 0)):.2f} s</div>']
    if c.get("statement"):
        out.append(f'<div class="stmt">{math_html(c["statement"])}</div>')
    if c.get("hypotheses"):
        out.append("<p>Hypotheses:</p><ul>" + "".join(f"<li>{_e(h)}</li>" for h in c["hypotheses"]) + "</ul>")
    if c.get("depends_on"):
        links = ", ".join(f'<a href="#{_anchor(d)}"><code>{_e(d)}</code></a>' for d in c["depends_on"])
        out.append(f"<p>Depends on: {links}</p>")
    if downstream.get(c["id"]):
        out.append(f'<p style="color:#cf222e">Depends on claims that did not pass: '
                   f'{_e(", ".join(downstream[c["id"]]))}</p>')
    if c.get("erratum_note"):
        out.append(f"<p><b>Erratum:</b> {_e(c['erratum_note'])}</p>")
    if c.get("scope"):
        out.append(f"<p class='meta'>Scope: {_e(c['scope'])}</p>")
    out.append("<table><tr><th>#</th><th>check</th><th>verdict</th><th>margin</th><th>power / tightness</th>"
               "<th>message</th><th>tolerance</th></tr>")
    for i, k in enumerate(c.get("checks", [])):
        margin = k.get("margin")
        margin_text = f"{margin:.4g}" if isinstance(margin, (int, float)) else _e(margin if margin is not None else "—")
        out.append(f"<tr><td>{i}</td><td>{_e(k['kind'])}{' (' + _e(k['label']) + ')' if k.get('label') else ''}</td>"
                   f"<td>{_badge(k['verdict'])}</td><td class='num'>{margin_text}</td><td>{_power(k)}</td>"
                   f"<td>{_e(k.get('message'))}</td><td>{_e(k.get('tolerance'))}</td></tr>")
    out.append("</table>")
    for i, k in enumerate(c.get("checks", [])):
        worst = k.get("worst")
        if k["verdict"] in ("failed", "error") and isinstance(worst, dict):
            rows = [("observed", worst.get("observed")), ("claimed", worst.get("claimed")),
                    ("margin", worst.get("margin")), (f"instance #{worst.get('index')}", worst.get("instance"))]
            shrunk = (worst.get("details") or {}).get("shrunk_counterexample")
            if shrunk:
                rows.append(("shrunk (Hypothesis)", shrunk))
            if worst.get("error"):
                rows.append(("error", worst["error"]))
            out.append(f"<p><b>Counterexample of check {i}:</b></p><table class='cex'>" + "".join(
                f"<tr><th>{_e(a)}</th><td><code>{_e(_compact(b))}</code></td></tr>" for a, b in rows) + "</table>")
    if bad or c.get("variant"):
        out.append(f'<p>Reproduce:</p><pre class="reproduce">{_e(c.get("reproduce"))}</pre>')
    for rel in c.get("figures", []):
        out.append(_figure_html(folder, rel))
    out.append("</section>")
    return "\n".join(out)


def to_html(report: dict[str, Any], folder: Path | None = None) -> str:
    claims = report["claims"]
    sources: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for c in claims:
        sources[c["id"].split("/")[0]][c["verdict"]] += 1
        totals[c["verdict"]] += 1
    for f in report.get("load_failures", []):
        sources[f["source_key"]]["error"] += 1
        totals["error"] += 1
    verdicts = [v for v in ORDER if totals.get(v)]
    summary = ["<table id='summary'><tr><th>source</th>" + "".join(f"<th>{_badge(v)}</th>" for v in verdicts)
               + "<th>claims</th></tr>"]
    for source in sorted(sources):
        row = sources[source]
        summary.append(f"<tr><td><a href='#src-{_e(source)}'>{_e(source)}</a></td>"
                       + "".join(f"<td class='num'>{row.get(v, 0) or ''}</td>" for v in verdicts)
                       + f"<td class='num'>{sum(row.values())}</td></tr>")
    summary.append("<tr><th>total</th>" + "".join(f"<th class='num'>{totals[v]}</th>" for v in verdicts)
                   + f"<th class='num'>{sum(totals.values())}</th></tr></table>")
    count_text = ", ".join(f"{totals[v]} {v}" for v in verdicts)
    downstream = _downstream_of_failures(claims)
    failing = [c for c in claims if c["verdict"] not in OK]
    body = [f"<h1>theorycheck report {_badge('passed' if report.get('ok') else 'failed')}</h1>",
            f"<p class='meta'><code>{_e(report.get('command'))}</code><br>seed {_e(report.get('seed'))}, "
            f"profile {_e(report.get('profile'))}, device {_e(report.get('device'))}, "
            f"{float(report.get('wall_seconds', 0)):.1f} s, started {_e(report.get('started'))}, "
            f"commit <code>{_e(report.get('git_commit') or 'n/a')}</code>, theorycheck {_e(report.get('theorycheck'))}, "
            f"schema {_e(report.get('schema_version'))}</p>",
            f"<p class='totals' id='counts'><b>{len(claims)} claims:</b> {_e(count_text)}</p>",
            "<h2>Summary by source and verdict</h2>", "".join(summary)]
    if failing:
        body.append("<h2>Failures</h2><ul>" + "".join(
            f'<li><a href="#{_anchor(c["id"], c.get("variant", ""))}"><code>{_e(c["id"])}</code></a> '
            f'{_badge(c["verdict"])}<pre class="reproduce">{_e(c["reproduce"])}</pre></li>' for c in failing) + "</ul>")
    if report.get("load_failures"):
        body.append("<h2>Modules that failed to load</h2><ul>" + "".join(
            f"<li><code>{_e(f['module'])}</code>: <pre>{_e(f['message'])}</pre></li>" for f in report["load_failures"])
            + "</ul>")
    body += ["<h2>Dependency graph</h2>", f"<div class='graph'>{graph_svg(claims)}</div>"]
    by_source: dict[str, list[dict]] = defaultdict(list)
    for c in claims:
        by_source[c["id"].split("/")[0]].append(c)
    for source in sorted(by_source):
        body.append(f"<h2 id='src-{_e(source)}'>{_e(source)}</h2>")
        body += [_claim_html(c, folder, downstream) for c in by_source[source]]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>theorycheck report: {_e(count_text)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
