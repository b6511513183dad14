/**
 * The training report as one self-contained HTML page: inline CSS, plots as inline SVG, images as
 * data: URLs — no script and nothing fetched, so it opens offline and can be mailed or archived.
 * Browser-safe (a page can build its own report after training in the browser).
 */
import type { LineChart, Series } from './chart.js';
import type { ReportData } from './build.js';
import { confusionSvg, escapeXml, lineChartSvg } from './svg.js';

const TRAIN_COLOR = '#1f77b4';
const VALIDATION_COLOR = '#ff7f0e';

/** One chart per logged quantity (loss, accuracy, …): its training curve and, if any, its val_ curve. */
export function reportCharts(data: Pick<ReportData, 'epochs' | 'curves'>): LineChart[] {
  const x = data.epochs.map((e) => e + 1);
  return Object.keys(data.curves)
    .filter((key) => !key.startsWith('val_'))
    .map((key) => {
      const series: Series[] = [{ name: 'training', values: data.curves[key], color: TRAIN_COLOR }];
      const val = data.curves[`val_${key}`];
      if (val) series.push({ name: 'validation', values: val, color: VALIDATION_COLOR, dashed: true });
      return { title: key, xLabel: 'epoch', x, series };
    });
}

/** Base64 of bytes, with the btoa that Node and browsers share. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 0x8000)));
  return btoa(binary);
}

const fixed = (v: number | null, digits = 4): string => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const percent = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : '—');

function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const th = head.map((h) => `<th>${escapeXml(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

function runRows(data: ReportData): string[][] {
  const rows: string[][] = Object.entries(data.run).map(([k, v]) => [
    k,
    typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(k === 'seconds' ? 2 : 4) : String(v),
  ]);
  for (const [k, v] of Object.entries(data.params ?? {})) if (!(k in data.run)) rows.push([`fit.${k}`, String(v)]);
  if (data.stopReason !== null) rows.push(['stopped early', data.stopReason]);
  return rows;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222}
h1{margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555}.row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}pre{background:#f6f6f6;padding:12px;overflow:auto}
.worst{display:grid;grid-template-columns:repeat(auto-fill,minmax(132px,1fr));gap:12px}
figure{margin:0}figure img{width:112px;height:112px;image-rendering:pixelated;display:block}
figcaption{font-size:12px}.note{background:#fff6e0;padding:8px 12px;border-left:3px solid #f0a020}`;

/** The report page's HTML text. */
export function reportHtml(data: ReportData): string {
  const m = data.metrics;
  const charts = reportCharts(data);
  const hasValidation = Object.keys(data.curves).some((k) => k.startsWith('val_'));
  const curves = charts.map((c) => lineChartSvg(c)).join('\n');
  const perClass = table(
    ['class', 'precision', 'recall', 'support'],
    data.classNames.map((name, c) => [name, fixed(m.precision[c]), fixed(m.recall[c]), String(m.support[c])]),
    'per-class',
  );
  const worst = data.worst
    .map(
      (w) =>
        `<figure class="worst-image"><img alt="test image ${w.index}: label ${w.label}, predicted ${w.predicted}" src="data:image/png;base64,${base64(w.png)}">` +
        `<figcaption>#${w.index}: ${escapeXml(data.classNames[w.label] ?? String(w.label))} → ${escapeXml(data.classNames[w.predicted] ?? String(w.predicted))}<br>` +
        `p(pred) ${w.predictedProbability.toFixed(3)}, p(true) ${w.labelProbability.toFixed(3)}</figcaption></figure>`,
    )
    .join('\n');
  const date = typeof data.run.date === 'string' ? ` · trained ${escapeXml(data.run.date)}` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeXml(data.title)} — training report</title>
<style>${STYLE}</style></head>
<body>
<h1>${escapeXml(data.title)} — training report</h1>
<p class="sub">test accuracy <b id="test-accuracy">${percent(m.accuracy)}</b> on ${m.samples} test images · ${data.epochs.length} epoch(s)${date}</p>
<h2>Training curves</h2>
${hasValidation ? '' : '<p class="note">No validation data in this run, so only training curves are drawn; train with a validation split (tessera train mnist --validation-split 0.1) to see validation curves too.</p>'}
<div class="row curves">
${curves}
</div>
<h2>Test results</h2>
<div class="row">
${confusionSvg(m.confusion, data.classNames)}
${perClass}
</div>
<h2>Worst-classified test images</h2>
<p class="sub">Lowest probability for the true class first; the heat map is the saliency (|∂ score / ∂ pixel|) of the predicted class.</p>
<div class="worst">
${worst}
</div>
<h2>Model</h2>
<pre>${escapeXml(data.summary ?? '(summary unavailable: the model is not built)')}</pre>
<h2>Configuration and timing</h2>
${table(['setting', 'value'], runRows(data), 'run')}
</body></html>
`;
}
