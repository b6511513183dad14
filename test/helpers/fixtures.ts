/**
 * Reference values computed by PyTorch, committed as JSON under test/fixtures together with the
 * script that made them (CI never needs PyTorch). Tests run from dist/test/…, so paths are
 * resolved from the repository root.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The repository root: the compiled file sits at dist/test/helpers/fixtures.js. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function loadFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', name), 'utf8')) as T;
}
