// SPDX-License-Identifier: GPL-2.0-only
/*
 * The self-contained HTML report: inline CSS, the comparison table, the
 * plots as inline SVG rendered in Node, violations with their reproducers,
 * and the report's JSON embedded as an inert data block. No script runs and
 * nothing is fetched when it is viewed.
 */
import { jobCharts, renderSvg } from './charts.js';
import type { ReportData } from './data.js';
import { COLUMNS } from './table.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON safe inside a <script> element: no `</script`, no `<!--`. */
const scriptJson = (x: unknown) => JSON.stringify(x).replace(/</g, '\\u003c');

/** The report's data without the time series (report.json has them; the plots show them). */
export const embedded = (data: ReportData): ReportData => ({ ...data, runs: data.runs.map((r) => ({ ...r, series: [] })) });

export const slug = (s: string, i: number) => `job${i}-${s.replace(/[^A-Za-z0-9_-]+/g, '-')}`;

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1280px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1.05em}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:2px 8px;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
th{background:#f4f4f4;cursor:help}td.l,th.l{text-align:left}
tr.group td{border-top:2px solid #999}
figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-weight:600;margin-bottom:4px}
pre{background:#f7f7f7;padding:.6em;overflow:auto;font-size:12px}
.bad{color:#b00020;font-weight:600}
`;

function tableHtml(data: ReportData): string {
  const head = COLUMNS.map((c, i) => `<th class="${i < 3 ? 'l' : ''}" title="${esc(c.title)}">${esc(c.head)}</th>`).join('');
  let prev = '';
  const rows = data.figures.map((f) => {
    const group = `${f.job}\0${f.revision}`;
    const cls = prev && prev !== group ? ' class="group"' : '';
    prev = group;
    const cells = COLUMNS.map((c, i) => {
      const v = c.value(f);
      const bad = c.head === 'stale' && f.staleViolations > 0;
      return `<td class="${i < 3 ? 'l' : ''}${bad ? ' bad' : ''}">${esc(v)}</td>`;
    }).join('');
    return `<tr${cls} data-job="${esc(f.job)}" data-revision="${esc(f.revision)}" data-policy="${esc(f.policy)}">${cells}</tr>`;
  });
  return `<table id="comparison"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function violationsHtml(data: ReportData): string {
  const list = data.runs.flatMap((r) => r.violations.map((v) => ({ r, v })));
  if (list.length === 0) return '<p>No stale-mapping violation in any run.</p>';
  return list
    .map(
      ({ r, v }) =>
        `<details><summary class="bad">${esc(r.job)} / ${esc(r.revision)} / ${esc(r.policy)}: ${esc(v.what)}</summary>` +
        `<p>Schedule (${v.schedule.length} steps):</p><pre>${esc(v.schedule.join('\n'))}</pre><p>Scenario:</p><pre>${esc(v.scenario)}</pre></details>`,
    )
    .join('\n');
}

function hazardsHtml(data: ReportData): string {
  const rows = data.runs.flatMap((r) => Object.entries(r.hazards).map(([id, n]) => `<tr><td class="l">${esc(r.job)}</td><td class="l">${esc(r.revision)}</td><td class="l">${esc(r.policy)}</td><td class="l"><code>${esc(id)}</code></td><td>${n}</td></tr>`));
  if (rows.length === 0) return '<p>No known seed hazard was walked through.</p>';
  return `<table><thead><tr><th class="l">job</th><th class="l">rev</th><th class="l">policy</th><th class="l">hazard</th><th>times</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export async function reportHtml(data: ReportData): Promise<string> {
  const sections: string[] = [];
  for (const [i, job] of data.jobs.entries()) {
    const runs = data.runs.filter((r) => r.job === job.name);
    const figs: string[] = [];
    for (const chart of jobCharts(job.name, runs, slug(job.name, i))) {
      figs.push(`<figure id="${esc(chart.id)}" class="plot"><figcaption>${esc(chart.title)}</figcaption>${await renderSvg(chart.spec)}</figure>`);
    }
    sections.push(
      `<section class="job" id="${esc(slug(job.name, i))}"><h2>${esc(job.name)}</h2>\n${figs.join('\n')}\n` + `<details><summary>job file</summary><pre>${esc(job.text)}</pre></details></section>`,
    );
  }
  const policies = data.policies.map((p) => `<dt><code>${esc(p.name)}</code>${p.name === data.baseline ? ' (baseline)' : ''}</dt><dd>${esc(p.description)}</dd>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>iomap-sim report</title><style>${CSS}</style></head>
<body>
<h1>iomap-sim simulate</h1>
<p><code>iomap-sim ${esc(data.command.join(' '))}</code>: ${data.jobs.length} job(s) &times; ${data.revisions.length} revision(s) &times; ${data.policies.length} policy(ies), seed ${data.seed}. Baseline of <em>vs base</em>: <code>${esc(data.baseline)}</code>.</p>
<h2>Comparison</h2>
${tableHtml(data)}
<h2>Policies</h2><dl>${policies}</dl>
${sections.join('\n')}
<h2>Stale-mapping violations</h2>
${violationsHtml(data)}
<h2>Seed hazards walked through</h2>
${hazardsHtml(data)}
<script type="application/json" id="iomap-sim-data">${scriptJson(embedded(data))}</script>
</body></html>
`;
}
