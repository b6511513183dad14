/**
 * UTF-8 for JavaScript strings, which may hold lone surrogates (a UTF-16 unit of a broken pair,
 * e.g. from slicing an emoji in half) that UTF-8 proper cannot express. Like WTF-8, a lone
 * surrogate is written as the 3-byte sequence of its code point (ED A0 80 … ED BF BF) and read back
 * as itself, so that bytes → string is exact for every string; a proper pair is one 4-byte code
 * point. Bytes that are not such a sequence (e.g. half a character, as a single BPE token may be)
 * read as U+FFFD, one per maximal invalid run as TextDecoder does. Browser-safe.
 */

/** Append the WTF-8 bytes of `text` to `out`. */
export function wtf8Bytes(text: string, out: number[] = []): number[] {
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return out;
}

/** The code point of the sequence starting at bytes[i] and its length, or length 0 when invalid there. */
function readSequence(bytes: ArrayLike<number>, i: number): [number, number] {
  const b0 = bytes[i];
  if (b0 < 0x80) return [b0, 1];
  let need: number;
  let cp: number;
  let min: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) [need, cp, min] = [1, b0 & 31, 0x80];
  else if (b0 >= 0xe0 && b0 <= 0xef) [need, cp, min] = [2, b0 & 15, 0x800];
  else if (b0 >= 0xf0 && b0 <= 0xf4) [need, cp, min] = [3, b0 & 7, 0x10000];
  else return [0, 0];
  if (i + need >= bytes.length) return [0, 0];
  for (let k = 1; k <= need; k++) {
    const b = bytes[i + k];
    if ((b & 0xc0) !== 0x80) return [0, 0];
    cp = (cp << 6) | (b & 63);
  }
  // Overlong forms and code points past U+10FFFF are invalid; surrogates are allowed (WTF-8).
  if (cp < min || cp > 0x10ffff) return [0, 0];
  return [cp, need + 1];
}

/** The string of WTF-8 `bytes` (invalid bytes read as U+FFFD). */
export function wtf8String(bytes: ArrayLike<number>): string {
  const units: number[] = [];
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const [cp, len] = readSequence(bytes, i);
    if (len === 0) {
      // One U+FFFD for the lead byte and the continuation bytes that follow it.
      units.push(0xfffd);
      i++;
      while (i < bytes.length && (bytes[i] & 0xc0) === 0x80) i++;
    } else {
      if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      else units.push(cp);
      i += len;
    }
    if (units.length > 4096) {
      s += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return s + String.fromCharCode(...units);
}
