/**
 * PyTorch as a peer: bench/peers/pytorch_bench.py in a python subprocess, run once for all the
 * cases (importing torch takes seconds) after the in-process engines, never beside them. Only
 * where an interpreter imports torch; otherwise every requested case gets a row with a note.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { firstLine } from './tfjs.js';
import { round } from './timing.js';
import type { BenchSettings, Row, TorchSpec } from './types.js';

export interface TorchRequest {
  case: string;
  spec: TorchSpec;
}

/** The script ships in the repository (bench/peers), three folders above dist/src/bench. */
export const PYTORCH_SCRIPT = fileURLToPath(new URL('../../../bench/peers/pytorch_bench.py', import.meta.url));

/**
 * OpenBLAS threads on top of torch's own would oversubscribe the cores; two torch threads is the
 * configuration the issue compares against (Debian's python3-torch with libopenblas0-pthread).
 */
const TORCH_ENV: Record<string, string> = { OPENBLAS_NUM_THREADS: '1', ...openblasCoreType() };
const TORCH_THREADS = 2;

/**
 * The OpenBLAS kernel family to force, so PyTorch runs its best. Debian's OpenBLAS 0.3.21 does not
 * recognise newer CPUs (this VM's Xeon, family 6 model 207): it falls back to its SSE3 "Prescott"
 * kernels, 32 GFLOP/s per core at 1024², where the AVX-512 "SkylakeX" ones reach 155 (measured
 * here). Read from /proc/cpuinfo's flags; a user's own OPENBLAS_CORETYPE wins.
 */
export function openblasCoreType(cpuinfo: string | null = readCpuinfo()): Record<string, string> {
  if (process.env.OPENBLAS_CORETYPE) return {};
  const flags = new Set(
    /^flags\s*:(.*)$/m
      .exec(cpuinfo ?? '')?.[1]
      .trim()
      .split(/\s+/) ?? [],
  );
  if (flags.has('avx512f') && flags.has('avx512bw') && flags.has('avx512vl')) return { OPENBLAS_CORETYPE: 'SkylakeX' };
  if (flags.has('avx2') && flags.has('fma')) return { OPENBLAS_CORETYPE: 'Haswell' };
  return {};
}

function readCpuinfo(): string | null {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

/** The first interpreter that can import torch, or why none could. */
export function findTorchPython(candidates: readonly string[]): { python: string } | { reason: string } {
  const tried: string[] = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...TORCH_ENV },
    });
    if (probe.status === 0) return { python };
    tried.push(
      `${python}: ${probe.error ? firstLine(probe.error) : firstLine(probe.stderr.trim().split('\n').pop() ?? '')}`,
    );
  }
  return { reason: `no python with torch (${tried.join('; ') || 'no candidates'})` };
}

export function runPytorch(requests: readonly TorchRequest[], settings: BenchSettings): Row[] {
  if (requests.length === 0) return [];
  const noteAll = (note: string): Row[] => requests.map((r) => ({ case: r.case, engine: 'pytorch', note }));
  if (!existsSync(PYTORCH_SCRIPT)) return noteAll(`not available: ${PYTORCH_SCRIPT} is missing`);
  const found = findTorchPython(settings.pythonCandidates);
  if ('reason' in found) return noteAll(`not available: ${found.reason}`);
  const input = JSON.stringify({ timing: settings.timing, threads: TORCH_THREADS, cases: requests });
  const run = spawnSync(found.python, [PYTORCH_SCRIPT], {
    input,
    encoding: 'utf8',
    env: { ...process.env, ...TORCH_ENV },
    timeout: settings.quick ? 120_000 : 900_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = run.stdout?.trim().split('\n').pop() ?? '';
  let rows: Row[];
  try {
    rows = JSON.parse(last) as Row[];
    if (!Array.isArray(rows)) throw new Error('not an array');
  } catch {
    const why = run.error
      ? firstLine(run.error)
      : `exit ${run.status}: ${firstLine(run.stderr?.trim().split('\n').pop() ?? '')}`;
    return noteAll(`failed: ${why}`);
  }
  return rows.map((row) => roundFigures(row));
}

function roundFigures(row: Row): Row {
  const out: Row = { ...row };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === 'number' && key !== 'runs' && key !== 'threads') out[key] = round(value);
  }
  return out;
}
