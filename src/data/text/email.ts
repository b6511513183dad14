/**
 * An e-mail's readable text from its raw RFC 822 form: the headers removed (the subject kept,
 * its encoded words decoded), multipart bodies walked, base64 and quoted-printable parts decoded in
 * their character set, HTML reduced to text (also a "plain" body that is plainly HTML),
 * attachments and non-text parts left out. In a multipart/alternative the plain-text version wins
 * over the HTML one. Browser-safe.
 */
import { ArgumentError, describe } from '../../util/errors.js';
import { decodeBase64, decodeCharset, decodeHeaderWords, decodeQuotedPrintable, htmlToText } from './mime.js';

export interface ParsedEmail {
  /** The Subject header, decoded ("" when there is none). */
  subject: string;
  /** The text of the body's text parts, decoded; parts separated by a blank line. */
  body: string;
}

interface Part {
  /** Header names in lower case → their unfolded values (the first of repeated headers). */
  headers: Map<string, string>;
  body: string;
}

/** A "plain" body that is HTML: it opens with an HTML document's tag or closes one. */
const LOOKS_HTML = /^\s*<(?:!doctype|html|head|body)\b|<\/html\s*>/i;

/** How deep multiparts (and forwarded messages) may nest before the rest is ignored. */
const MAX_DEPTH = 12;

/** A message or body part split into its headers and its body at the first empty line. */
function splitPart(raw: string): Part {
  let head: string;
  let body: string;
  if (raw.startsWith('\n')) [head, body] = ['', raw.slice(1)];
  else {
    const end = raw.indexOf('\n\n');
    [head, body] = end < 0 ? [raw, ''] : [raw.slice(0, end), raw.slice(end + 2)];
  }
  const headers = new Map<string, string>();
  let name = '';
  for (const line of head.split('\n')) {
    // A line that starts with white space continues the header before it (folding).
    if (/^[ \t]/.test(line) && name !== '') {
      headers.set(name, `${headers.get(name)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    // Lines with no colon (the mbox "From " line) are not headers.
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      name = '';
      continue;
    }
    name = line.slice(0, colon).toLowerCase();
    if (headers.has(name)) name = '';
    else headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** The media type ("text/plain" when absent) and the parameters of a Content-Type value. */
function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (value === undefined) return { type: 'text/plain', params };
  const type = value.split(';')[0].trim().toLowerCase() || 'text/plain';
  for (const m of value.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"([^"]*)"|([^;\s]*))/g))
    params.set(m[1].toLowerCase(), m[2] ?? m[3]);
  return { type, params };
}

/** The parts of a multipart body between its boundary lines (preamble and epilogue dropped). */
function multipartParts(body: string, boundary: string): Part[] {
  const parts: Part[] = [];
  let current: string[] | null = null;
  for (const line of body.split('\n')) {
    const trimmed = line.trimEnd();
    const closing = trimmed === `--${boundary}--`;
    if (closing || trimmed === `--${boundary}`) {
      if (current !== null) parts.push(splitPart(current.join('\n')));
      current = [];
      if (closing) return parts;
    } else current?.push(line);
  }
  // No closing boundary (a truncated message): the last part ends with the body.
  if (current !== null && current.length > 0) parts.push(splitPart(current.join('\n')));
  return parts;
}

/** A leaf part's body decoded by its Content-Transfer-Encoding and charset. */
function decodedBody(part: Part, charset: string | undefined): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  if (encoding === 'base64') {
    try {
      return decodeCharset(decodeBase64(part.body), charset);
    } catch {
      return part.body;
    }
  }
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body, charset);
  return part.body;
}

/** The texts of a part and the parts inside it, in order. */
function partTexts(part: Part, depth: number): { texts: string[]; plain: boolean } {
  const { type, params } = contentType(part.headers.get('content-type'));
  const disposition = (part.headers.get('content-disposition') ?? '').toLowerCase();
  if (depth > MAX_DEPTH || disposition.startsWith('attachment')) return { texts: [], plain: false };
  if (type.startsWith('multipart/')) {
    const boundary = params.get('boundary');
    const subs = boundary ? multipartParts(part.body, boundary).map((p) => partTexts(p, depth + 1)) : [];
    if (boundary === undefined || subs.length === 0) return { texts: [part.body], plain: true };
    if (type === 'multipart/alternative') {
      const chosen =
        subs.find((s) => s.plain && s.texts.length > 0) ?? [...subs].reverse().find((s) => s.texts.length > 0);
      return chosen ?? { texts: [], plain: false };
    }
    return { texts: subs.flatMap((s) => s.texts), plain: subs.some((s) => s.plain) };
  }
  if (type === 'message/rfc822') {
    const inner = parseEmail(part.body, depth + 1);
    return { texts: [inner.subject, inner.body].filter((t) => t !== ''), plain: true };
  }
  const charset = params.get('charset');
  if (type === 'text/html') return { texts: [htmlToText(decodedBody(part, charset))], plain: false };
  if (type === 'text/plain' || type === 'text' || type === 'text/enriched') {
    const text = decodedBody(part, charset);
    // Much spam sends HTML as "text/plain" or with no Content-Type at all: read it as HTML.
    if (LOOKS_HTML.test(text)) return { texts: [htmlToText(text)], plain: false };
    return { texts: [text], plain: true };
  }
  return { texts: [], plain: false };
}

/**
 * The subject and body text of a raw e-mail (headers and all, as an mbox or .eml file holds it).
 * @example parseEmail('Subject: Hi\n\nHello').body === 'Hello'
 */
export function parseEmail(raw: string, depth = 0): ParsedEmail {
  if (typeof raw !== 'string')
    throw new ArgumentError(`parseEmail: got ${describe(raw)}; expected the raw e-mail text`);
  const message = splitPart(raw.replace(/\r\n?/g, '\n'));
  const subject = decodeHeaderWords(message.headers.get('subject') ?? '').trim();
  const body = partTexts(message, depth)
    .texts.map((t) =>
      t
        .replace(/\r\n?/g, '\n')
        .replace(/[ \t]+$/gm, '')
        .trim(),
    )
    .filter((t) => t !== '')
    .join('\n\n');
  return { subject, body };
}
