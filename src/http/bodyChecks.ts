import { isUtf8 } from 'node:buffer';
import { HttpError, badRequest } from './errors';

/** Deepest nesting of arrays and objects accepted in a JSON body (the body's own object is level 1). */
export const MAX_JSON_DEPTH = 32;

const notUtf8 = () => badRequest('request body is not valid UTF-8', '/body');
const unpaired = () => badRequest('JSON string contains an unpaired surrogate escape (not valid Unicode)', '/body');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const U = 0x75;

/**
 * Checks a raw JSON body before it is parsed: UTF-8 (RFC 8259 §8.1), no `\u` escape that leaves a
 * surrogate unpaired, and at most MAX_JSON_DEPTH levels of nesting. One pass over the bytes, no
 * recursion, so a body of any depth costs its length and never the stack. Throws a 400 HttpError.
 */
export function checkJsonBody(buf: Buffer, charset: string | null = 'utf-8'): void {
  if (charset && !/^utf-?8$/i.test(charset)) throw new HttpError(415, 'unsupported_media_type', 'JSON bodies must be UTF-8');
  if (!isUtf8(buf)) throw notUtf8();
  let depth = 0;
  let inString = false;
  /** The previous character of the current string was a `\uD800`–`\uDBFF` escape. */
  let highPending = false;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (!inString) {
      if (b === QUOTE) inString = true;
      else if (b === 0x5b || b === 0x7b) {
        if (++depth > MAX_JSON_DEPTH) throw badRequest(`JSON nesting deeper than ${MAX_JSON_DEPTH} levels`, '/body');
      } else if (b === 0x5d || b === 0x7d) depth--;
      continue;
    }
    if (b === BACKSLASH && buf[i + 1] === U) {
      const unit = parseInt(buf.toString('latin1', i + 2, i + 6), 16);
      const low = unit >= 0xdc00 && unit <= 0xdfff;
      if (highPending !== low) throw unpaired();
      highPending = unit >= 0xd800 && unit <= 0xdbff;
      i += 5;
      continue;
    }
    if (highPending) throw unpaired();
    if (b === BACKSLASH) i++;
    else if (b === QUOTE) inString = false;
  }
}

const hex = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

/** The bytes a urlencoded body stands for: each %XX decoded, anything else (a malformed escape too) as is. */
function percentDecoded(buf: Buffer): Buffer {
  const out = Buffer.allocUnsafe(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x25 && hex(buf[i + 1]) && hex(buf[i + 2])) {
      out[n++] = parseInt(buf.toString('latin1', i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = buf[i];
  }
  return out.subarray(0, n);
}

/** Checks a raw urlencoded body: its bytes, and the bytes its %XX escapes decode to, are UTF-8. */
export function checkFormBody(buf: Buffer): void {
  if (!isUtf8(buf) || !isUtf8(percentDecoded(buf))) throw notUtf8();
}
