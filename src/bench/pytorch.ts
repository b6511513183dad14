/**
 * PyTorch as a peer, in its own best configuration for each case: bench/peers/pytorch_bench.py in
 * python subprocesses, after the in-process engines, never beside them. Only where an interpreter
 * imports torch; otherwise every requested case gets a row with a note.
 *
 * What "best" means is measured in the run, not assumed. OpenBLAS fixes its kernel family when it
 * loads, so each environment worth comparing gets its own process: the environment as given (a
 * user's OPENBLAS_CORETYPE included), the kernel variables unset (OpenBLAS's own CPU detection),
 * and the family the CPU's flags call for (Debian's OpenBLAS 0.3.21 detects newer CPUs as an SSE3
 * "Prescott": 32 GFLOP/s per core at 1024² where its AVX-512 "SkylakeX" kernels reach 155). A
 * probe asks each what kernels it loaded; environments that load the same ones run once. Each
 * process then times every case briefly at 1 and n BLAS threads × 1 and n torch threads (n the
 * core count): OpenBLAS's threads are best for a plain GEMM, while in the seed CNN's step they
 * only spin beside torch's. The fastest candidate per case is then timed in full, and its row says
 * what ran: the BLAS, its kernel family and how it was chosen, BLAS threads, torch threads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { firstLine } from './tfjs.js';
import { round } from './timing.js';
import type { BenchSettings, Row, TimingOptions, TorchSpec } from './types.js';

export interface TorchRequest {
  case: string;
  spec: TorchSpec;
}

/** The script ships in the repository (bench/peers), three folders above dist/src/bench. */
export const PYTORCH_SCRIPT = fileURLToPath(new URL('../../../bench/peers/pytorch_bench.py', import.meta.url));

/** The variables that choose OpenBLAS's kernels and blocking when it loads. */
const KERNEL_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** One environment to run PyTorch in, and how it chooses the BLAS kernels (for the label). */
export interface TorchEnvironment {
  how: string;
  env: NodeJS.ProcessEnv;
}

/** What the script reports about the BLAS torch loaded. */
export interface BlasInfo {
  library: string;
  version?: string | null;
  kernel?: string;
}

export interface ThreadConfig {
  /** null: left as they are (the case makes no BLAS call, or the BLAS's threads cannot be set). */
  blasThreads: number | null;
  torchThreads: number;
}

/**
 * The OpenBLAS kernel family the CPU's flags call for (from /proc/cpuinfo), or null where there is
 * nothing better to force than what OpenBLAS detects.
 */
export function coreTypeForFlags(cpuinfo: string | null): string | null {
  const flags = new Set(
    /^flags\s*:(.*)$/m
      .exec(cpuinfo ?? '')?.[1]
      .trim()
      .split(/\s+/) ?? [],
  );
  if (flags.has('avx512f') && flags.has('avx512bw') && flags.has('avx512vl')) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return null;
}

function readCpuinfo(): string | null {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

/** The environment as given, without the kernel variables, and with the flags' family forced; duplicates left out. */
export function torchEnvironments(
  base: NodeJS.ProcessEnv = process.env,
  cpuinfo: string | null = readCpuinfo(),
): TorchEnvironment[] {
  const given = KERNEL_VARS.filter((k) => base[k] !== undefined);
  const unset: NodeJS.ProcessEnv = { ...base };
  for (const k of KERNEL_VARS) delete unset[k];
  const envs: TorchEnvironment[] = [
    { how: given.length ? `${given.map((k) => `${k}=${base[k]}`).join(' ')} as set` : 'auto-detected', env: base },
  ];
  if (given.length) envs.push({ how: 'auto-detected', env: unset });
  const forced = coreTypeForFlags(cpuinfo);
  if (forced && !(given.length === 1 && base.OPENBLAS_CORETYPE === forced)) {
    envs.push({ how: `OPENBLAS_CORETYPE=${forced} from the CPU flags`, env: { ...unset, OPENBLAS_CORETYPE: forced } });
  }
  return envs;
}

/** Cases that make no BLAS call: their speed cannot depend on the BLAS's kernels or threads. */
export function usesBlas(spec: TorchSpec): boolean {
  return spec.kind !== 'elementwise';
}

/**
 * Cases whose one call takes about a second (a GPT or BERT training step): timed as tessera times them,
 * with the step timings, so that neither the screening nor the measurement times a cold first call.
 */
export function caseTimings(
  spec: TorchSpec,
  settings: BenchSettings,
): { screen: TimingOptions; timing: TimingOptions } {
  return spec.kind === 'gpt-train' || spec.kind === 'bert-train'
    ? { screen: settings.stepScreenTiming, timing: settings.stepTiming }
    : { screen: settings.screenTiming, timing: settings.timing };
}

/** Every pairing of 1 and `cores` BLAS threads with 1 and `cores` torch threads (BLAS ones only where they matter and can be set). */
export function threadConfigs(spec: TorchSpec, blas: BlasInfo, cores: number): ThreadConfig[] {
  const counts = [...new Set([1, Math.max(1, cores)])];
  const blasCounts = usesBlas(spec) && blas.library === 'OpenBLAS' ? counts : [null];
  return blasCounts.flatMap((blasThreads) => counts.map((torchThreads) => ({ blasThreads, torchThreads })));
}

/** "OpenBLAS 0.3.21 SkylakeX kernels (auto-detected)", "MKL", "no BLAS call". */
export function blasLabel(spec: TorchSpec, blas: BlasInfo, how: string): string {
  if (!usesBlas(spec)) return 'no BLAS call';
  if (blas.library !== 'OpenBLAS') return blas.library;
  return `OpenBLAS${blas.version ? ` ${blas.version}` : ''} ${blas.kernel ?? '?'} kernels (${how})`;
}

/** The first interpreter that can import torch, or why none could. */
export function findTorchPython(candidates: readonly string[]): { python: string } | { reason: string } {
  const tried: string[] = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status === 0) return { python };
    tried.push(
      `${python}: ${probe.error ? firstLine(probe.error) : firstLine(probe.stderr.trim().split('\n').pop() ?? '')}`,
    );
  }
  return { reason: `no python with torch (${tried.join('; ') || 'no candidates'})` };
}

interface ScriptCase {
  case: string;
  spec: TorchSpec;
  configs: readonly ThreadConfig[];
  /** This case's own timing, in place of the request's (screen or timing, whichever the request does). */
  timing: TimingOptions;
}

interface ScriptRequest {
  screen?: TimingOptions;
  timing?: TimingOptions;
  cases: readonly ScriptCase[];
}

interface ScriptReply {
  blas: BlasInfo;
  rows: Row[];
}

function callScript(
  python: string,
  env: NodeJS.ProcessEnv,
  request: ScriptRequest,
  timeoutMs: number,
): ScriptReply | { error: string } {
  const run = spawnSync(python, [PYTORCH_SCRIPT], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    env,
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  try {
    const reply = JSON.parse(run.stdout?.trim().split('\n').pop() ?? '') as ScriptReply;
    if (typeof reply?.blas?.library !== 'string' || !Array.isArray(reply.rows)) throw new Error('not a reply');
    return reply;
  } catch {
    return {
      error: run.error
        ? firstLine(run.error)
        : `exit ${run.status}: ${firstLine(run.stderr?.trim().split('\n').pop() ?? '')}`,
    };
  }
}

/** A screened configuration of one case, in one environment. */
interface Candidate extends ThreadConfig {
  env: number;
  ms: number;
}

export interface PytorchSetup {
  /** The environments to compare (default: torchEnvironments()). */
  environments?: readonly TorchEnvironment[];
  /** The most threads to try (default: the machine's cores). */
  cores?: number;
  log?: (line: string) => void;
}

export function runPytorch(
  requests: readonly TorchRequest[],
  settings: BenchSettings,
  setup: PytorchSetup = {},
): Row[] {
  if (requests.length === 0) return [];
  const log = setup.log ?? (() => {});
  const noteAll = (note: string): Row[] => requests.map((r) => ({ case: r.case, engine: 'pytorch', note }));
  if (!existsSync(PYTORCH_SCRIPT)) return noteAll(`not available: ${PYTORCH_SCRIPT} is missing`);
  const found = findTorchPython(settings.pythonCandidates);
  if ('reason' in found) return noteAll(`not available: ${found.reason}`);
  const timeoutMs = settings.quick ? 120_000 : 900_000;
  const cores = setup.cores ?? os.cpus().length;

  // Probe: which kernels each environment loads; run each distinct set-up once.
  const envs: { how: string; env: NodeJS.ProcessEnv; blas: BlasInfo }[] = [];
  const seen = new Set<string>();
  let probeError = '';
  for (const candidate of setup.environments ?? torchEnvironments()) {
    const reply = callScript(found.python, candidate.env, { cases: [] }, timeoutMs);
    if ('error' in reply) {
      probeError ||= reply.error;
      continue;
    }
    const key =
      reply.blas.library === 'OpenBLAS'
        ? `${reply.blas.kernel} ${candidate.env.OPENBLAS_L2_SIZE ?? ''}`
        : reply.blas.library;
    if (seen.has(key)) continue;
    seen.add(key);
    envs.push({ ...candidate, blas: reply.blas });
  }
  if (envs.length === 0) return noteAll(`failed: ${probeError}`);

  // Screen: each case's configurations in every set-up that can change its speed (a case with
  // a single one in all needs no screening: it is that one).
  const trials = new Map(
    requests.map((r) => [
      r.case,
      envs.flatMap((e, env) =>
        env === 0 || usesBlas(r.spec) ? threadConfigs(r.spec, e.blas, cores).map((c) => ({ env, ...c })) : [],
      ),
    ]),
  );
  const candidates = new Map<string, Candidate[]>(
    requests.map((r) => [r.case, trials.get(r.case)!.length === 1 ? [{ ...trials.get(r.case)![0], ms: NaN }] : []]),
  );
  const errors = new Map<string, string>();
  envs.forEach((e, env) => {
    const cases = requests
      .filter((r) => trials.get(r.case)!.length > 1)
      .map((r) => ({
        ...r,
        configs: trials
          .get(r.case)!
          .filter((t) => t.env === env)
          .map(({ blasThreads, torchThreads }) => ({ blasThreads, torchThreads })),
        timing: caseTimings(r.spec, settings).screen,
      }))
      .filter((c) => c.configs.length > 0);
    if (cases.length === 0) return;
    log(
      `  PyTorch: ${e.blas.library}${e.blas.kernel ? ` ${e.blas.kernel}` : ''} (${e.how}): trying ${cases.length} cases' thread configurations`,
    );
    const reply = callScript(found.python, e.env, { screen: settings.screenTiming, cases }, timeoutMs);
    if ('error' in reply) {
      for (const c of cases) errors.set(c.case, reply.error);
      return;
    }
    for (const row of reply.rows) {
      if (row.note) errors.set(row.case, String(row.note));
      for (const c of (row.candidates as (ThreadConfig & { ms: number })[] | undefined) ?? [])
        candidates.get(row.case)?.push({ env, ...c });
    }
  });

  // Measure: the fastest candidate of each case, in full, grouped by set-up (one process each).
  const chosen = new Map<string, Candidate>();
  for (const [name, list] of candidates) {
    if (list.length > 0)
      chosen.set(
        name,
        list.reduce((best, c) => (c.ms < best.ms ? c : best)),
      );
  }
  const rows = new Map<string, Row>();
  envs.forEach((e, i) => {
    const cases = requests.flatMap((r) => {
      const c = chosen.get(r.case);
      return c?.env === i
        ? [
            {
              ...r,
              configs: [{ blasThreads: c.blasThreads, torchThreads: c.torchThreads }],
              timing: caseTimings(r.spec, settings).timing,
            },
          ]
        : [];
    });
    if (cases.length === 0) return;
    const reply = callScript(found.python, e.env, { timing: settings.timing, cases }, timeoutMs);
    if ('error' in reply) {
      for (const c of cases) rows.set(c.case, { case: c.case, engine: 'pytorch', note: `failed: ${reply.error}` });
      return;
    }
    for (const row of reply.rows) {
      const request = requests.find((r) => r.case === row.case);
      if (!request) continue;
      const { runs, blasThreads, torchThreads, ...figures } = roundFigures(row);
      const tried = candidates.get(row.case)!;
      rows.set(row.case, {
        ...figures,
        blas: blasLabel(request.spec, reply.blas, e.how),
        blasThreads,
        torchThreads,
        ...(tried.length > 1 ? { configs: tried.length } : {}),
        runs,
        ...(tried.length > 1
          ? {
              candidates: tried.map((c) => ({
                kernels: envs[c.env].blas.kernel ?? envs[c.env].blas.library,
                how: envs[c.env].how,
                blasThreads: c.blasThreads,
                torchThreads: c.torchThreads,
                ms: round(c.ms),
              })),
            }
          : {}),
      });
    }
  });
  return requests.map(
    (r) =>
      rows.get(r.case) ?? {
        case: r.case,
        engine: 'pytorch',
        note: `failed: ${errors.get(r.case) ?? 'no configuration ran'}`,
      },
  );
}

function roundFigures(row: Row): Row {
  const out: Row = { ...row };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === 'number' && !['runs', 'blasThreads', 'torchThreads'].includes(key)) out[key] = round(value);
  }
  return out;
}
