/**
 * A small RFC 4180 CSV reader: comma-separated fields, optional double quotes (a quoted field may
 * hold commas, newlines and doubled quotes ""), \n or \r\n line ends, a header row. Pure string
 * processing, so it runs in the browser too. Every malformed row is refused with its line number.
 */
import { FormatError } from '../util/errors.js';

export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** The 1-based line on which each row starts, for error messages. */
  readonly lines: readonly number[];
}

export interface CsvOptions {
  /** The file name, for error messages. */
  source?: string;
  delimiter?: string;
}

/** Split text into records of raw fields, tracking the line each record starts on. */
function tokenize(text: string, source: string, delimiter: string): { records: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // Blank lines separate nothing in CSV; skipping them tolerates a trailing newline.
    if (text[i] === '\n' || text[i] === '\r') {
      if (text[i] === '\n') line++;
      i++;
      continue;
    }
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n)
            throw new FormatError(
              `parseCsv: ${source} line ${startLine}: a quoted field is never closed; expected a closing "`,
            );
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          throw new FormatError(
            `parseCsv: ${source} line ${line}: found ${JSON.stringify(text[i])} right after a closing quote; expected "${delimiter}" or the end of the line`,
          );
        }
      } else {
        const start = i;
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"')
            throw new FormatError(
              `parseCsv: ${source} line ${line}: a " inside an unquoted field; expected the whole field in quotes with "" for each quote`,
            );
          i++;
        }
        field = text.slice(start, i);
      }
      fields.push(field);
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') {
      i++;
      line++;
    }
    records.push(fields);
    lines.push(startLine);
  }
  return { records, lines };
}

/**
 * Parse CSV text whose first record is the header. Every row must have as many fields as the header.
 * @example parseCsv('a,b\n1,"x, y"\n').rows // [['1', 'x, y']]
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const source = options.source ?? '<text>';
  const delimiter = options.delimiter ?? ',';
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 byte-order mark is not data
  const { records, lines } = tokenize(body, source, delimiter);
  if (records.length === 0) throw new FormatError(`parseCsv: ${source} is empty; expected a header row`);
  const header = records[0].map((h) => h.trim());
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      throw new FormatError(
        `parseCsv: ${source} line ${lines[r]} has ${records[r].length} fields; expected ${header.length} like the header (${header.join(', ')})`,
      );
    }
  }
  return { header, rows: records.slice(1), lines: lines.slice(1) };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  nan: NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '-infinity': -Infinity,
};

/** One CSV field as a number; "NaN"/"inf" spelled out are accepted, an empty or wordy field is not. */
export function parseNumber(field: string): number | null {
  const s = field.trim();
  if (NUMBER.test(s)) return Number(s);
  const special = SPECIAL[s.toLowerCase()];
  return special === undefined ? null : special;
}

/** A CSV whose every field is a number: the header plus a row-major Float64 matrix. */
export function parseNumericCsv(
  text: string,
  options: CsvOptions = {},
): { header: string[]; values: Float64Array; rows: number } {
  const source = options.source ?? '<text>';
  const table = parseCsv(text, options);
  const cols = table.header.length;
  const values = new Float64Array(table.rows.length * cols);
  table.rows.forEach((row, r) => {
    for (let c = 0; c < cols; c++) {
      const v = parseNumber(row[c]);
      if (v === null) {
        throw new FormatError(
          `parseNumericCsv: ${source} line ${table.lines[r]}, column "${table.header[c]}": got ${JSON.stringify(row[c])}; expected a number`,
        );
      }
      values[r * cols + c] = v;
    }
  });
  return { header: [...table.header], values, rows: table.rows.length };
}
