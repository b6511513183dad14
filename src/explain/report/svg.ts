/**
 * The report's plots as inline SVG text: no script, no network, any browser draws them, and they
 * stay sharp when zoomed or printed.
 */
import { layoutLineChart, type LineChart } from './chart.js';

/** Text safe inside HTML/SVG elements and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

/** A line chart: one line per series, points marked, ticks, a legend and a title. */
export function lineChartSvg(chart: LineChart, width = 560, height = 340): string {
  const L = layoutLineChart(chart, width, height);
  const { left, top, right, bottom } = L.plot;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(chart.title)}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(chart.title)}</text>`,
  ];
  for (const t of L.yTicks)
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${n(t.at)}" y2="${n(t.at)}" stroke="#e4e4e4"/>`,
      `<text x="${left - 6}" y="${n(t.at + 4)}" text-anchor="end" font-size="11">${t.label}</text>`,
    );
  for (const t of L.xTicks)
    parts.push(
      `<line x1="${n(t.at)}" x2="${n(t.at)}" y1="${bottom}" y2="${bottom + 4}" stroke="#444"/>`,
      `<text x="${n(t.at)}" y="${bottom + 17}" text-anchor="middle" font-size="11">${t.label}</text>`,
    );
  parts.push(
    `<path d="M${left} ${top}V${bottom}H${right}" fill="none" stroke="#444"/>`,
    `<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle" font-size="12">${escapeXml(chart.xLabel)}</text>`,
  );
  for (const { series, runs } of L.lines) {
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    for (const run of runs) {
      const points = run.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');
      parts.push(
        `<polyline class="series" points="${points}" fill="none" stroke="${series.color}" stroke-width="2"${dash}/>`,
      );
      for (const [x, y] of run) parts.push(`<circle cx="${n(x)}" cy="${n(y)}" r="3" fill="${series.color}"/>`);
    }
  }
  L.lines.forEach(({ series }, i) => {
    const x = left + i * 150;
    const y = height - 12;
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<line x1="${x}" x2="${x + 24}" y1="${y - 4}" y2="${y - 4}" stroke="${series.color}" stroke-width="2"${dash}/>`,
      `<text x="${x + 30}" y="${y}" font-size="12">${escapeXml(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** White → blue as a cell holds more of its row (its true class). */
export function cellShade(fraction: number): [number, number, number] {
  const f = Math.min(1, Math.max(0, fraction));
  return [Math.round(255 - 222 * f), Math.round(255 - 153 * f), Math.round(255 - 75 * f)];
}

/** The confusion matrix as a grid: rows are true classes, columns predictions, shaded by row share. */
export function confusionSvg(confusion: readonly (readonly number[])[], classNames: readonly string[]): string {
  const size = confusion.length;
  const cell = size <= 10 ? 40 : Math.max(12, Math.floor(400 / size));
  const left = 64;
  const top = 56;
  const width = left + size * cell + 16;
  const height = top + size * cell + 16;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="confusion" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="confusion matrix">`,
    '<title>confusion matrix: rows are true classes, columns predicted classes</title>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left + (size * cell) / 2}" y="16" text-anchor="middle" font-size="12">predicted class</text>`,
    `<text transform="translate(14 ${top + (size * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="12">true class</text>`,
  ];
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const y = top + t * cell;
    parts.push(
      `<text x="${left - 6}" y="${y + cell / 2 + 4}" text-anchor="end" font-size="11">${escapeXml(classNames[t] ?? String(t))}</text>`,
    );
    row.forEach((count, p) => {
      const x = left + p * cell;
      const share = total > 0 ? count / total : 0;
      const [r, g, b] = cellShade(share);
      const ink = share > 0.5 ? '#fff' : '#222';
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${r},${g},${b})" stroke="#ddd"><title>true ${t}, predicted ${p}: ${count}</title></rect>`,
      );
      if (cell >= 24)
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="11" fill="${ink}">${count}</text>`,
        );
    });
  });
  classNames.slice(0, size).forEach((name, p) => {
    parts.push(
      `<text x="${left + p * cell + cell / 2}" y="${top - 6}" text-anchor="middle" font-size="11">${escapeXml(name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
