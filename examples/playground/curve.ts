/** The live training curve: loss (left scale, 0 to its largest value) and accuracy (right, 0..1) against steps, as SVG. */
const SVG = 'http://www.w3.org/2000/svg';
const [WIDTH, HEIGHT, PAD] = [460, 200, 30];

export interface CurvePoint {
  step: number;
  loss: number;
  accuracy: number;
}

function element<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export function drawCurve(svg: SVGSVGElement, points: readonly CurvePoint[]): void {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.replaceChildren(
    element('rect', { x: PAD, y: 10, width: WIDTH - 2 * PAD, height: HEIGHT - 10 - PAD, class: 'frame' }),
  );
  if (points.length === 0) return;
  const lastStep = Math.max(points[points.length - 1].step, 1);
  const maxLoss = Math.max(...points.map((p) => p.loss), 1e-6);
  const x = (step: number): number => PAD + ((WIDTH - 2 * PAD) * step) / lastStep;
  const y = (fraction: number): number => HEIGHT - PAD - (HEIGHT - 10 - PAD) * fraction;
  const line = (value: (p: CurvePoint) => number, cls: string): SVGPolylineElement =>
    element('polyline', {
      points: points.map((p) => `${x(p.step).toFixed(1)},${y(value(p)).toFixed(1)}`).join(' '),
      class: cls,
    });
  const label = (text: string, px: number, py: number, cls: string, anchor = 'start'): SVGTextElement => {
    const t = element('text', { x: px, y: py, class: cls, 'text-anchor': anchor });
    t.textContent = text;
    return t;
  };
  svg.append(
    line((p) => p.loss / maxLoss, 'loss'),
    line((p) => p.accuracy, 'accuracy'),
    label(maxLoss.toFixed(2), PAD - 4, 20, 'loss', 'end'),
    label('0', PAD - 4, HEIGHT - PAD, 'loss', 'end'),
    label('100%', WIDTH - PAD + 4, 20, 'accuracy'),
    label(`step ${lastStep}`, WIDTH - PAD, HEIGHT - 10, 'axis', 'end'),
    label('loss', PAD + 6, HEIGHT - 10, 'loss'),
    label('accuracy', PAD + 46, HEIGHT - 10, 'accuracy'),
  );
}
