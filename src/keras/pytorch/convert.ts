/**
 * A tessera Sequential as PyTorch (browser-safe; files are in ./files.ts): a readable `nn.Module`
 * definition and the weights under PyTorch's `state_dict` names and layouts, so that
 * `model.load_state_dict(load_file('model.safetensors'))` just works — and the way back, so weights
 * trained in PyTorch (DistributedDataParallel on many machines, say) return into tessera.
 *
 * A model that is not a Sequential is written whole by a form registered for its class
 * (`registerPytorchModel`; the zoo's GPT registers one): its Python class and its state-dict names.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { AnyModule } from '../../nn/module.js';
import { layerClassName, layerToConfig } from '../../nn/registry.js';
import { ArgumentError, describe } from '../../util/errors.js';
import { Registry } from '../../util/registry.js';
import { Sequential } from '../sequential.js';
import { activationExpr, TORCH_LAYERS, type LayerSite, type TorchLayer } from './layers.js';
import { pythonHeader } from './python.js';

export interface PytorchExport {
  /** The Python source of the module (model.py). */
  source: string;
  /** The weights under PyTorch's state-dict names and layouts. */
  stateDict: Record<string, Tensor>;
  /** The generated class's name. */
  className: string;
}

/** The PyTorch form of a whole model (not a Sequential), registered by its layer class name. */
export interface PytorchModelForm<M extends AnyModule = AnyModule> {
  /** The generated main class's default name. */
  className: string;
  /** The Python definitions (after model.py's common header), the main class named `className`. */
  source(model: M, className: string): string;
  /** The model's weights under the generated module's state-dict names and layouts. */
  toTorch(model: M): Record<string, Tensor>;
  /** The inverse of toTorch: a state dict under those names as the model's own state dict. */
  fromTorch(model: M, state: Record<string, Tensor>): Record<string, Tensor>;
}

const MODEL_FORMS = new Registry<PytorchModelForm>('PyTorch model form', 'registerPytorchModel');

/** Make models of the registered layer class `className` (one with a config: see registerLayer) exportable whole. */
export function registerPytorchModel<M extends AnyModule>(
  className: string,
  form: PytorchModelForm<M>,
  options: { override?: boolean } = {},
): void {
  MODEL_FORMS.register(className, form as unknown as PytorchModelForm, options);
}

/** The registered whole-model form of `model`'s class, or null (a Sequential, or a class without one). */
export function pytorchModelForm(model: AnyModule): PytorchModelForm | null {
  if (model instanceof Sequential) return null;
  let className: string;
  try {
    className = layerClassName(model);
  } catch {
    return null;
  }
  return hasPytorchModelForm(className) ? MODEL_FORMS.get('pytorchModelForm', className) : null;
}

/** Whether a class name (as tessera-model.json writes it) has a whole-model form. */
export function hasPytorchModelForm(className: string): boolean {
  return MODEL_FORMS.has(className);
}

interface Walked {
  site: LayerSite;
  spec: TorchLayer;
}

const FINAL_ACTIVATIONS = new Set(['softmax', 'sigmoid', 'log_softmax']);

/** Every layer with its PyTorch form and the facts its conversion needs; unmappable layers are named. */
function walk(model: AnyModule, fn: string): Walked[] {
  if (!(model instanceof Sequential))
    throw new ArgumentError(
      `${fn}: got ${describe(model)}; expected a Sequential model, or a model with a registered PyTorch form (${MODEL_FORMS.names().join(', ') || 'none loaded'}; registerPytorchModel adds one)`,
    );
  if (!model.isBuilt())
    throw new ArgumentError(
      `${fn}: the model is not built, so its weights do not exist; call it on data or build it first`,
    );
  const out: Walked[] = [];
  let flattenedImage: [number, number, number] | null = null;
  model.layers.forEach((layer, index) => {
    const config = layerToConfig(layer);
    const spec = TORCH_LAYERS[config.className];
    if (!spec)
      throw new ArgumentError(
        `${fn}: layer ${index} (${config.className}) has no PyTorch mapping; mapped layers: ${Object.keys(TORCH_LAYERS).join(', ')}`,
      );
    const inShape = config.buildInputShape ?? [];
    const stem = spec.stem ?? 'layer';
    const attr = `${stem}${index}`;
    const site: LayerSite = { index, attr, layer: config, inShape, flattenedImage };
    out.push({ site, spec });
    // A flattened image keeps tessera's (h, w, c) order until a Dense reorders its rows to match.
    if (config.className === 'Flatten' && inShape.length === 4) {
      const [, h, w, c] = inShape as number[];
      flattenedImage = [h, w, c];
    } else if (flattenedImage && !spec.elementwise && config.className !== 'Dense' && spec.module) {
      throw new ArgumentError(
        `${fn}: layer ${index} (${config.className}) reads a flattened image, whose feature order differs in PyTorch; only Dense (or elementwise layers before it) can follow Flatten in an exported model`,
      );
    } else if (!spec.elementwise) flattenedImage = null;
  });
  return out;
}

/** The PyTorch definition and weights of a built Sequential model, or of a model with a registered form (a GPT). */
export function toPytorch(model: AnyModule, options: { className?: string } = {}): PytorchExport {
  const fn = 'exportPytorch';
  const form = pytorchModelForm(model);
  const className = options.className ?? form?.className ?? 'TesseraModel';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(className))
    throw new ArgumentError(`${fn}: got className ${describe(className)}; expected a Python identifier`);
  if (form !== null)
    return {
      source: `${pythonHeader(className)}\n\n${form.source(model, className)}`,
      stateDict: form.toTorch(model),
      className,
    };
  const walked = walk(model, fn);
  const stateDict: Record<string, Tensor> = {};
  const modules: string[] = [];
  const bodies: string[][] = [];
  for (const { site, spec } of walked) {
    if (spec.module) modules.push(`        self.${site.attr} = ${spec.module(site)}`);
    bodies.push(spec.forward(site));
    const state = (model as Sequential).layers[site.index].stateDict();
    const torchState = spec.toTorch ? spec.toTorch(state, site) : state;
    for (const [name, t] of Object.entries(torchState)) stateDict[`${site.attr}.${name}`] = t;
  }
  const { logits, final } = splitFinalActivation(walked, bodies);
  const source = pythonSource(className, walked, modules, logits, final);
  return { source, stateDict, className };
}

/**
 * The forward lines up to the model's last activation, and that activation: PyTorch training wants
 * the logits (F.cross_entropy), tessera's model ends in softmax as Keras models do.
 */
function splitFinalActivation(walked: Walked[], bodies: string[][]): { logits: string[]; final: string | null } {
  const last = walked[walked.length - 1];
  const lines = bodies.flat();
  if (!last) return { logits: lines, final: null };
  const { site } = last;
  const c = site.layer.config;
  const name =
    site.layer.className === 'Softmax'
      ? 'softmax'
      : site.layer.className === 'Sigmoid'
        ? 'sigmoid'
        : site.layer.className === 'LogSoftmax'
          ? 'log_softmax'
          : typeof c.activation === 'string'
            ? c.activation
            : null;
  if (name === null || !FINAL_ACTIVATIONS.has(name)) return { logits: lines, final: null };
  const axis = typeof c.axis === 'number' ? c.axis : -1;
  const final = activationExpr(site, name, 'self.logits(x)', axis);
  if (site.layer.className === 'Dense' || site.layer.className === 'Conv2D') {
    const linear = { ...site, layer: { ...site.layer, config: { ...c, activation: 'linear' } } };
    return { logits: [...bodies.slice(0, -1).flat(), ...last.spec.forward(linear)], final };
  }
  return { logits: bodies.slice(0, -1).flat(), final };
}

function inputComment(walked: Walked[]): string {
  const first = walked[0]?.site;
  if (!first) return 'x';
  const shape = first.inShape.map((s) => (s === null ? 'batch' : String(s)));
  if (shape.length === 4) return `images [batch, ${shape[3]}, ${shape[1]}, ${shape[2]}] (channels first)`;
  if (first.layer.className === 'Embedding') return `token ids [${shape.join(', ')}]`;
  return `[${shape.join(', ')}]`;
}

function pythonSource(
  className: string,
  walked: Walked[],
  modules: string[],
  logits: string[],
  final: string | null,
): string {
  const indent = (lines: string[]): string[] => lines.map((l) => `        ${l}`);
  const summary = walked.map(({ site }) => `    ${site.index}: ${site.layer.className}`).join('\n');
  const body = [
    `class ${className}(nn.Module):`,
    `    """tessera's layers, in order:\n${summary}\n\n    Input: ${inputComment(walked)}.\n    """`,
    '',
    '    def __init__(self):',
    '        super().__init__()',
    ...(modules.length ? modules : ['        pass']),
    '',
  ];
  if (final) {
    body.push(
      '    def logits(self, x):',
      '        """The output before the final activation (train with F.cross_entropy on this)."""',
      ...indent(logits),
      '        return x',
      '',
      '    def forward(self, x):',
      `        return ${final}`,
    );
  } else body.push('    def forward(self, x):', ...indent(logits), '        return x');
  return `${pythonHeader(className)}\n\n${body.join('\n')}\n`;
}

/**
 * Load PyTorch weights (as `toPytorch` names them) into a tessera model of the same architecture.
 * Every tensor must be present with the right shape; extra or missing names are errors.
 */
export function fromPytorch(model: AnyModule, stateDict: Record<string, Tensor>, source = 'importPytorch'): void {
  const form = pytorchModelForm(model);
  if (form !== null) {
    const names = Object.keys(form.toTorch(model));
    const extra = Object.keys(stateDict).filter((k) => !names.includes(k));
    if (extra.length > 0)
      throw new ArgumentError(
        `${source}: the state dict has ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}, which the model has no place for; expected the exported names (${names.slice(0, 4).join(', ')}, …)`,
      );
    model.loadStateDict(form.fromTorch(model, stateDict));
    return;
  }
  const walked = walk(model, source);
  const remaining = new Set(Object.keys(stateDict));
  const tesseraState: Record<string, Tensor> = {};
  for (const { site, spec } of walked) {
    const prefix = `${site.attr}.`;
    const own: Record<string, Tensor> = {};
    for (const key of Object.keys(stateDict)) {
      if (!key.startsWith(prefix)) continue;
      own[key.slice(prefix.length)] = stateDict[key];
      remaining.delete(key);
    }
    const converted = spec.fromTorch ? spec.fromTorch(own, site) : own;
    for (const [name, t] of Object.entries(converted)) tesseraState[`${site.index}.${name}`] = t;
  }
  if (remaining.size > 0)
    throw new ArgumentError(
      `${source}: the state dict has ${[...remaining].slice(0, 5).join(', ')}${remaining.size > 5 ? ', …' : ''}, which the model has no place for; expected names of the exported model (${walked.map((w) => w.site.attr).join(', ')})`,
    );
  model.loadStateDict(tesseraState);
}
