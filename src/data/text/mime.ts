/**
 * The decoders an e-mail's text needs: quoted-printable and base64 bodies, RFC 2047 encoded words in
 * headers (=?charset?Q|B?…?=), character sets, and HTML reduced to its text. Lenient by design:
 * real mail breaks the rules, so what cannot be decoded is kept as it is rather than thrown.
 * Browser-safe (TextDecoder and atob exist in both).
 */

/** `bytes` read in `charset` (an unknown label reads as UTF-8; bad bytes become U+FFFD). */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label = (charset ?? 'utf-8').trim().replace(/^["']|["']$/g, '') || 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/**
 * A quoted-printable text decoded: soft line breaks ("=" at a line's end) joined, each run of =XX
 * escapes read as bytes in `charset`; literal characters stay as they are.
 */
export function decodeQuotedPrintable(text: string, charset?: string): string {
  return text.replace(/=[ \t]*\r?\n/g, '').replace(/(?:=[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(3 * i + 1, 3 * i + 3), 16);
    return decodeCharset(bytes, charset);
  });
}

/** The bytes of base64 text (line breaks and other stray characters ignored, padding optional). */
export function decodeBase64(text: string): Uint8Array {
  let clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  clean = clean.slice(0, clean.length - (clean.length % 4 === 1 ? 1 : 0));
  const padded = clean + '='.repeat((4 - (clean.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/**
 * A header value with its RFC 2047 encoded words decoded ("=?iso-8859-1?Q?=FCber?=" → "über");
 * the white space between two adjacent encoded words goes, as the RFC says.
 */
export function decodeHeaderWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(ENCODED_WORD, (word, charset: string, encoding: string, data: string) => {
    try {
      // A charset may carry a language after '*' (RFC 2231): "utf-8*en".
      const cs = charset.split('*')[0];
      if (encoding.toUpperCase() === 'B') return decodeCharset(decodeBase64(data), cs);
      return decodeQuotedPrintable(data.replace(/_/g, ' '), cs);
    } catch {
      return word;
    }
  });
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  middot: '·',
  bull: '•',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  laquo: '«',
  raquo: '»',
  euro: '€',
  pound: '£',
};

/** A code point from an HTML character reference, or U+FFFD when it names none. */
function fromCodePoint(cp: number): string {
  return Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '\uFFFD';
}

/**
 * The text of HTML: scripts, styles and comments dropped, block ends (<br>, </p>, </div>, </tr>,
 * </li>, headings) made line breaks, other tags removed, character references decoded, runs of
 * spaces and of blank lines squeezed.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>|<\/(?:p|div|tr|li|h[1-6]|table|blockquote)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (ref, name: string) => {
      if (name[0] === '#')
        return fromCodePoint(
          name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)),
        );
      return ENTITIES[name.toLowerCase()] ?? ref;
    })
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
