/**
 * The PyTorch hand-off on the command line: `tessera export pytorch DIR` (a format of export.ts)
 * writes model.py + a PyTorch state dict; `tessera import pytorch EXPORTDIR` brings weights
 * trained in PyTorch back into a tessera model folder.
 */
import { join } from 'node:path';
import { ArgumentError } from '../util/errors.js';
import { loadModel, saveModel } from '../keras/save.js';
import { exportPytorch, importPytorch } from '../keras/pytorch/files.js';
import type { Command, CommandContext } from './command.js';
import { parseCommand, type OptionSpec, type Parsed } from './args.js';

/** `export pytorch`'s options and run, for export.ts's table of formats. */
export const pytorchExportFormat = {
  usage: 'tessera export pytorch DIR [--out OUT] [--class-name NAME] [--json]   (default OUT: DIR/pytorch)',
  options: {
    out: {
      type: 'string',
      value: 'OUT',
      help: 'the folder to write model.py and model.safetensors in (default DIR/pytorch)',
    },
    'class-name': { type: 'string', value: 'NAME', help: 'the generated nn.Module class (default TesseraModel)' },
  } satisfies OptionSpec,
  async run(dir: string, values: Parsed['values'], ctx: CommandContext): Promise<Record<string, unknown>> {
    const out = (values.out as string | undefined) ?? join(dir, 'pytorch');
    if (out === '') throw new ArgumentError('tessera export pytorch: --out got ""; expected a folder path');
    const result = exportPytorch(loadModel(dir), out, { className: values['class-name'] as string | undefined });
    ctx.log(
      `${out}: model.py (class ${result.className}), model.safetensors (${result.tensors} tensors), tessera-model.json`,
    );
    ctx.log(
      `  in PyTorch: from model import ${result.className}, load_file; m = ${result.className}(); m.load_state_dict(load_file("${join(out, 'model.safetensors')}"))`,
    );
    return { out, files: result.files, className: result.className, tensors: result.tensors };
  },
};

export const importCommand: Command = {
  name: 'import',
  summary: 'bring weights trained in PyTorch back into a tessera model folder (import pytorch)',
  usage: 'tessera import pytorch EXPORTDIR [--weights FILE] --out DIR [--json]',
  arguments: [
    ['pytorch', 'the format (the only one so far)'],
    ['EXPORTDIR', 'a folder written by tessera export pytorch'],
  ],
  options: {
    weights: {
      type: 'string',
      value: 'FILE',
      help: 'a state dict saved in PyTorch with save_file (default EXPORTDIR/model.safetensors)',
    },
    out: { type: 'string', value: 'DIR', help: 'the tessera model folder to write' },
  },
  async run(argv, ctx) {
    const { values, positionals } = parseCommand(importCommand, argv);
    const [format, dir] = positionals;
    if (format !== 'pytorch')
      throw new ArgumentError(`tessera import: got format ${JSON.stringify(format ?? '')}; expected "pytorch"`);
    if (dir === undefined)
      throw new ArgumentError(
        'tessera import pytorch: got no folder; expected a folder written by tessera export pytorch',
      );
    const out = values.out as string | undefined;
    if (!out)
      throw new ArgumentError(
        'tessera import pytorch: got no --out; expected --out DIR, the tessera model folder to write',
      );
    const weights = (values.weights as string | undefined) ?? join(dir, 'model.safetensors');
    const model = importPytorch(dir, { weights });
    saveModel(model, out);
    ctx.log(`${weights} → ${out} (a tessera model folder: tessera evaluate ${out})`);
    return { out, weights, params: model.numParameters() };
  },
};
