/**
 * `tessera export <format> DIR`: a saved model (the folder `model.save` / `tessera train` writes)
 * or a GPT checkpoint (`tessera pretrain gpt`) in another framework's format. Each format is one
 * entry of FORMATS, with its own options; the command parses the format name first, then the
 * format's options.
 */
import { join } from 'node:path';
import { ArgumentError } from '../util/errors.js';
import type { AnyModule } from '../nn/module.js';
import { loadModel } from '../keras/save.js';
import { isGptCheckpoint, loadGpt } from '../zoo/gpt-train.js';
import { exportOnnx } from '../io/onnx/file.js';
import type { ToOnnxOptions } from '../io/onnx/export.js';
import type { Command, CommandContext } from './command.js';
import { parseCommand, type OptionSpec, type Parsed } from './args.js';
import { pytorchExportFormat } from './pytorch.js';

interface ExportFormat {
  /** One line for the usage text. */
  usage: string;
  options: OptionSpec;
  /** Export the model in `dir`; returns what --json prints (beside `format` and `model`). */
  run(dir: string, values: Parsed['values'], ctx: CommandContext): Promise<Record<string, unknown>>;
}

const FORMATS: Record<string, ExportFormat> = {
  onnx: {
    usage:
      "tessera export onnx DIR [--out FILE] [--input-shape '28,28,1'] [--input-dtype int32] [--json]   (default FILE: DIR/model.onnx; opset 17)",
    options: {
      out: { type: 'string', value: 'FILE', help: 'the ONNX file to write (default DIR/model.onnx)' },
      'input-shape': {
        type: 'string',
        value: 'SHAPE',
        help: "one sample's shape, ? for a size that varies, ';' between inputs (default: the model's)",
      },
      'input-dtype': { type: 'string', value: 'DTYPE', help: 'float32 (default) or int32 (token ids)' },
    },
    async run(dir, values, ctx) {
      const out = typeof values.out === 'string' ? values.out : join(dir, 'model.onnx');
      const summary = await exportOnnx(loadExportable(dir), out, onnxOptions(values));
      const shape = (s: (number | string)[]): string => `[${s.join(', ')}]`;
      ctx.log(
        `${out}: ${summary.bytes} bytes, ONNX opset ${summary.opset}, ${summary.nodes} nodes (${summary.ops.join(', ')})`,
      );
      for (const v of summary.inputs) ctx.log(`  input  ${v.name} ${v.dtype} ${shape(v.shape)}`);
      for (const v of summary.outputs) ctx.log(`  output ${v.name} ${v.dtype} ${shape(v.shape)}`);
      return { ...summary };
    },
  },
  pytorch: pytorchExportFormat,
};

/** The model in `dir`: a GPT checkpoint's model (token ids [batch, time] in), else a saved Model. */
function loadExportable(dir: string): AnyModule {
  return isGptCheckpoint(dir) ? loadGpt(dir).model : loadModel(dir);
}

/**
 * --input-shape: one sample's shape without the batch axis, sizes separated by commas, `?` for a
 * size that varies ('?,8': any length of 8-wide steps); several inputs separated by ';'.
 */
function onnxOptions(values: Parsed['values']): ToOnnxOptions {
  const options: ToOnnxOptions = {};
  const dtype = values['input-dtype'];
  if (dtype !== undefined) {
    if (dtype !== 'float32' && dtype !== 'int32')
      throw new ArgumentError(
        `tessera export onnx: --input-dtype got ${JSON.stringify(dtype)}; expected float32 or int32`,
      );
    options.inputDType = dtype;
  }
  const text = values['input-shape'];
  if (typeof text !== 'string') return options;
  const shapes = text.split(';').map((one) =>
    one.split(',').map((d) => {
      const size = d.trim();
      if (size === '?' || size === 'null') return null;
      const n = Number(size);
      if (size === '' || !Number.isInteger(n) || n <= 0)
        throw new ArgumentError(
          `tessera export onnx: --input-shape got ${JSON.stringify(text)}; expected sizes separated by commas, ? for a size that varies, ';' between inputs (e.g. '28,28,1' or '?,8;?,8')`,
        );
      return n;
    }),
  );
  if (shapes.length === 1) options.inputShape = shapes[0];
  else options.inputShapes = shapes;
  return options;
}

export const exportCommand: Command = {
  name: 'export',
  summary: `write a saved model in another format (${Object.keys(FORMATS).join(', ')})`,
  usage: Object.values(FORMATS)
    .map((f) => f.usage)
    .join('\n       '),
  arguments: [
    ['FORMAT', `one of ${Object.keys(FORMATS).join(', ')} (each has its own options)`],
    ['DIR', 'the saved model folder (model.save / tessera train), or a GPT checkpoint (tessera pretrain gpt)'],
  ],
  options: {},
  async run(argv, ctx) {
    const [name, ...rest] = argv;
    const known = Object.keys(FORMATS);
    if (name === undefined || name.startsWith('-') || !Object.hasOwn(FORMATS, name))
      throw new ArgumentError(
        `tessera export: got format ${name === undefined || name.startsWith('-') ? 'none' : `"${name}"`}; expected one of ${known.join(', ')}, as in: tessera export onnx DIR`,
      );
    const format = FORMATS[name];
    const { values, positionals } = parseCommand(
      { name: `export ${name}`, options: format.options, arguments: [['DIR', 'the saved model folder']] },
      rest,
    );
    const [dir, ...extra] = positionals;
    if (dir === undefined || extra.length)
      throw new ArgumentError(
        `tessera export ${name}: got ${dir === undefined ? 'no model folder' : `${positionals.length} folders`}; expected one model folder (written by model.save or tessera train), as in: tessera export ${name} out/mnist-cnn`,
      );
    return { format: name, model: dir, ...(await format.run(dir, values, ctx)) };
  },
};
