// tsc writes dist/src/cli/main.js without the executable bit; `npx tessera` runs it through a
// symlink, which needs it (a stale npx cache of an earlier checkout at the same path does not
// re-mark a freshly built file). Run after every build.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
