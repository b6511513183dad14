/**
 * The PyTorch hand-off on the command line: `tessera export pytorch DIR` (a format of export.ts)
 * writes model.py + a PyTorch state dict; `tessera import pytorch EXPORTDIR` brings weights
 * trained in PyTorch back into a tessera model folder. A GPT checkpoint travels with its
 * tokenizer.json, and comes back as a GPT checkpoint that `tessera generate` reads.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError } from '../util/errors.js';
import type { AnyModule } from '../nn/module.js';
import type { Model } from '../keras/model.js';
import { loadModel, saveModel } from '../keras/save.js';
import { exportPytorch, importPytorch } from '../keras/pytorch/files.js';
import { loadTokenizer, saveTokenizer } from '../data/text/tokenizer-file.js';
import { GPT } from '../zoo/gpt.js';
import { isGptCheckpoint, loadGpt, saveGpt } from '../zoo/gpt-train.js';
import type { Command, CommandContext } from './command.js';
import { parseCommand, type OptionSpec, type Parsed } from './args.js';

const TOKENIZER_FILE = 'tokenizer.json';

/** `export pytorch`'s options and run, for export.ts's table of formats. */
export const pytorchExportFormat = {
  usage:
    'tessera export pytorch DIR [--out OUT] [--class-name NAME] [--json]   (default OUT: DIR/pytorch; DIR: a saved model or a GPT checkpoint)',
  options: {
    out: {
      type: 'string',
      value: 'OUT',
      help: 'the folder to write model.py and model.safetensors in (default DIR/pytorch)',
    },
    'class-name': {
      type: 'string',
      value: 'NAME',
      help: 'the generated nn.Module class (default TesseraModel; GPT for a GPT checkpoint)',
    },
  } satisfies OptionSpec,
  async run(dir: string, values: Parsed['values'], ctx: CommandContext): Promise<Record<string, unknown>> {
    const out = (values.out as string | undefined) ?? join(dir, 'pytorch');
    if (out === '') throw new ArgumentError('tessera export pytorch: --out got ""; expected a folder path');
    const gpt = isGptCheckpoint(dir) ? loadGpt(dir) : null;
    const model = gpt?.model ?? loadModel(dir);
    const result = exportPytorch(model, out, { className: values['class-name'] as string | undefined });
    if (gpt !== null) {
      saveTokenizer(gpt.tokenizer, join(out, TOKENIZER_FILE));
      result.files.push(join(out, TOKENIZER_FILE));
    }
    ctx.log(
      `${out}: model.py (class ${result.className}), model.safetensors (${result.tensors} tensors), tessera-model.json${gpt ? ', tokenizer.json' : ''}`,
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
    out: {
      type: 'string',
      value: 'DIR',
      help: 'the tessera model folder to write (a GPT: a checkpoint for tessera generate)',
    },
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
    const model = importPytorch<AnyModule>(dir, { weights });
    if (model instanceof GPT) {
      // Generation needs the characters too: the export folder keeps the checkpoint's tokenizer.
      const tokenizerPath = join(dir, TOKENIZER_FILE);
      if (!existsSync(tokenizerPath))
        throw new ArgumentError(
          `tessera import pytorch: ${dir} holds a GPT but no ${TOKENIZER_FILE}; expected the folder tessera export pytorch wrote from a GPT checkpoint`,
        );
      saveGpt(out, model, loadTokenizer(tokenizerPath));
      ctx.log(`${weights} → ${out} (a GPT checkpoint: tessera generate ${out} --prompt "…")`);
    } else {
      saveModel(model as Model, out);
      ctx.log(`${weights} → ${out} (a tessera model folder: tessera evaluate ${out})`);
    }
    return { out, weights, params: model.numParameters() };
  },
};
