/**
 * The text of `model.summary()`, laid out as Keras prints it:
 *
 *   Model: "sequential"
 *   _________________________________________________________________
 *    Layer (type)                Output Shape              Param #
 *   =================================================================
 *    conv2d (Conv2D)             (None, 26, 26, 32)        320
 *    …
 *   =================================================================
 *   Total params: 93,322
 *   Trainable params: 93,322
 *   Non-trainable params: 0
 *   _________________________________________________________________
 *
 * Columns widen to fit long names instead of wrapping them.
 */

export interface SummaryRow {
  name: string;
  type: string;
  /** Batch axis first (null shown as None); null when it could not be found. */
  outputShape: readonly (number | null)[] | null;
  trainable: number;
  nonTrainable: number;
}

/** "(None, 26, 26, 32)"; a 1-element shape keeps Python's trailing comma. */
export function formatShape(shape: readonly (number | null)[] | null): string {
  if (shape === null) return '?';
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

/** 93322 → "93,322". */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function summarize(
  modelName: string,
  rows: readonly SummaryRow[],
  totals: { trainable: number; nonTrainable: number },
): string {
  const cells = rows.map((r) => [
    ` ${r.name} (${r.type})`,
    formatShape(r.outputShape),
    String(r.trainable + r.nonTrainable),
  ]);
  const header = [' Layer (type)', 'Output Shape', 'Param #'];
  // Keras's 65-character layout (columns end at 29 and 55), widened when a cell needs more room.
  const widths = [29, 26, 10].map((min, c) => Math.max(min, ...[header, ...cells].map((row) => row[c].length + 2)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('')
      .trimEnd();
  const total = widths.reduce((a, b) => a + b, 0);
  return [
    `Model: "${modelName}"`,
    '_'.repeat(total),
    line(header),
    '='.repeat(total),
    ...cells.map(line),
    '='.repeat(total),
    `Total params: ${formatCount(totals.trainable + totals.nonTrainable)}`,
    `Trainable params: ${formatCount(totals.trainable)}`,
    `Non-trainable params: ${formatCount(totals.nonTrainable)}`,
    '_'.repeat(total),
  ].join('\n');
}
