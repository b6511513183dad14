/**
 * The options `tessera pretrain gpt` and `tessera pretrain bert` share — the schedule, validations,
 * checkpoints, seed — as one option table (defaults from the recipe's own ScheduleDefaults) and one
 * reading of it into zoo/pretrain-loop.ts's PretrainRunOptions.
 */
import type { PretrainRunOptions, ScheduleDefaults } from '../zoo/pretrain-loop.js';
import { type OptionSpec, intOption, numberOption } from './args.js';

/** The shared part of a pretrain command's option table; `rows` names what a batch holds, `minutes` says what it counts. */
export function pretrainRunSpecs(d: ScheduleDefaults, o: { rows: string; minutes: string; out: string }): OptionSpec {
  return {
    'batch-size': { type: 'string', value: 'N', help: `${o.rows} per optimizer step (default 32)` },
    steps: { type: 'string', value: 'N', help: `optimizer steps: the schedule ends there (default ${d.steps})` },
    minutes: { type: 'string', value: 'M', help: o.minutes },
    lr: { type: 'string', value: 'X', help: 'peak learning rate of AdamW (default 1e-3)' },
    'eval-interval': { type: 'string', value: 'N', help: `steps between validations (default ${d.evalInterval})` },
    'checkpoint-interval': {
      type: 'string',
      value: 'N',
      help: `steps between checkpoints (default ${d.checkpointInterval})`,
    },
    seed: { type: 'string', value: 'N', help: 'seed of the initialisation and of every draw of the run (default 0)' },
    out: { type: 'string', value: 'DIR', help: `checkpoint folder (default ${o.out})` },
    resume: { type: 'string', value: 'DIR', help: 'continue the run whose checkpoint is in DIR' },
  };
}

/** The shared options read from parsed `values` (a new run writes to `defaultOut`, a resumed one to its folder). */
export function pretrainRunOptions(
  cmd: string,
  values: Record<string, string | boolean | undefined>,
  defaultOut: string,
  log: (line: string) => void,
): PretrainRunOptions {
  const int = (name: string): number | undefined =>
    values[name] === undefined ? undefined : intOption(cmd, name, values[name], 0);
  const num = (name: string): number | undefined =>
    values[name] === undefined ? undefined : numberOption(cmd, name, values[name], 0);
  const resume = values.resume as string | undefined;
  const out = values.out as string | undefined;
  return {
    batchSize: int('batch-size'),
    steps: int('steps'),
    minutes: num('minutes'),
    lr: num('lr'),
    evalInterval: int('eval-interval'),
    checkpointInterval: int('checkpoint-interval'),
    seed: values.seed === undefined ? undefined : intOption(cmd, 'seed', values.seed, 0, 0),
    out: out ?? (resume ? undefined : defaultOut),
    resume,
    log,
  };
}
