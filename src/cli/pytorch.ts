/**
 * `tessera export pytorch DIR` and `tessera import pytorch EXPORTDIR`: a saved model to PyTorch
 * (model.py + state dict) and weights trained in PyTorch back into a tessera model folder.
 */
import { join } from 'node:path';
import { ArgumentError } from '../util/errors.js';
import { loadModel, saveModel } from '../keras/save.js';
import { exportPytorch, importPytorch } from '../keras/pytorch/files.js';
import type { Command, CommandContext } from './command.js';
import { parseCommand } from './args.js';

function folderArg(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1)
    throw new ArgumentError(
      `tessera ${command}: got ${positionals.length === 0 ? 'no folder' : `${positionals.length} folders (${positionals.join(', ')})`}; expected ${what}`,
    );
  return positionals[0];
}

/** `tessera export pytorch DIR [--out OUT] [--class-name NAME]`. */
export async function runExportPytorch(argv: string[], ctx: CommandContext): Promise<Record<string, unknown>> {
  const command = 'export pytorch';
  const { values, positionals } = parseCommand(command, argv, {
    out: { type: 'string' },
    'class-name': { type: 'string' },
  });
  const dir = folderArg(command, positionals, 'the folder of a saved model (model.save / tessera train)');
  const out = (values.out as string | undefined) ?? join(dir, 'pytorch');
  if (out === '') throw new ArgumentError(`tessera ${command}: --out got ""; expected a folder path`);
  const model = loadModel(dir);
  const result = exportPytorch(model, out, { className: values['class-name'] as string | undefined });
  ctx.log(
    `${dir} → ${out}: ${result.files.map((f) => f.slice(out.length + 1)).join(', ')} (class ${result.className}, ${result.tensors} tensors)`,
  );
  ctx.log(
    `  in PyTorch: from model import ${result.className}, load_file; m = ${result.className}(); m.load_state_dict(load_file("${join(out, 'model.safetensors')}"))`,
  );
  return { out, files: result.files, className: result.className, tensors: result.tensors };
}

export const importCommand: Command = {
  name: 'import',
  summary: 'bring weights trained in PyTorch back: import pytorch EXPORTDIR --out DIR',
  usage: 'tessera import pytorch EXPORTDIR [--weights FILE] --out DIR [--json]',
  async run(argv, ctx) {
    const [format, ...rest] = argv;
    if (format !== 'pytorch')
      throw new ArgumentError(`tessera import: got format ${JSON.stringify(format ?? '')}; expected "pytorch"`);
    const command = 'import pytorch';
    const { values, positionals } = parseCommand(command, rest, {
      weights: { type: 'string' },
      out: { type: 'string' },
    });
    const dir = folderArg(command, positionals, 'a folder written by "tessera export pytorch"');
    const out = values.out as string | undefined;
    if (!out)
      throw new ArgumentError(
        `tessera ${command}: got no --out; expected --out DIR, the tessera model folder to write`,
      );
    const weights = values.weights as string | undefined;
    const model = importPytorch(dir, { weights });
    saveModel(model, out);
    ctx.log(`${weights ?? join(dir, 'model.safetensors')} → ${out} (a tessera model folder: tessera evaluate ${out})`);
    return {
      out,
      weights: weights ?? join(dir, 'model.safetensors'),
      params: model.parameters().reduce((n, p) => n + p.size, 0),
    };
  },
};

export const exportCommand: Command = {
  name: 'export',
  summary: 'hand a saved model to another engine: export pytorch DIR',
  usage: 'tessera export pytorch DIR [--out OUT] [--class-name NAME] [--json]',
  async run(argv, ctx) {
    const [format, ...rest] = argv;
    if (format === 'pytorch') return runExportPytorch(rest, ctx);
    throw new ArgumentError(`tessera export: got format ${JSON.stringify(format ?? '')}; expected "pytorch"`);
  },
};
