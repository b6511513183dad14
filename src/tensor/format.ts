/** Readable printing of tensors, NumPy-style, with long axes elided. */
import type { DType, Shape, TypedArray } from '../backend/types.js';

const EDGE = 3; // items shown at each end of an elided axis
const THRESHOLD = 1000; // elide only tensors larger than this

export function formatTensor(data: TypedArray, shape: Shape, dtype: DType, requiresGrad: boolean): string {
  const elide = data.length > THRESHOLD;
  const fmt = dtype === 'int32' ? (v: number) => String(v) : formatFloat;
  const render = (dim: number, offset: number, indent: string): string => {
    if (shape.length === 0) return fmt(data[0]);
    const n = shape[dim];
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
    const idx: (number | null)[] = [];
    if (elide && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i);
      idx.push(null);
      for (let i = n - EDGE; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    if (dim === shape.length - 1) {
      return '[' + idx.map((i) => (i === null ? '...' : fmt(data[offset + i]))).join(', ') + ']';
    }
    const sep = ',' + '\n'.repeat(shape.length - dim - 1) + indent + ' ';
    return (
      '[' + idx.map((i) => (i === null ? '...' : render(dim + 1, offset + i * stride, indent + ' '))).join(sep) + ']'
    );
  };
  const extras = [`shape=[${shape.join(', ')}]`, `dtype=${dtype}`];
  if (requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${render(0, 0, '       ')}, ${extras.join(', ')})`;
}

function formatFloat(v: number): string {
  // Whole numbers print as "3.0", but only below the exponent threshold: 3e9 reads better than 3000000000.0.
  if (Number.isInteger(v) && Math.abs(v) < 1e8) return v.toFixed(1);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e8)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}
