import { describe, expect, it } from 'vitest';
import spec from '../../generated/openapi.json';
import { CREDENTIAL_BYTES, HEADER_FIELDS_BYTES, MAX_HEADER_BYTES, MAX_URL_BYTES, ORDINARY_HEADERS_BYTES } from '../../src/http/listen';

/**
 * The spec's limits must be limits the server accepts: for every operation, a request with every
 * path and query parameter at its maxLength, each character percent-encoded at its worst, fits the
 * documented URL limit, and the request line plus the headers the spec declares fit Node's cap.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  maxItems?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: unknown;
};
type Parameter = { $ref?: string; name: string; in: 'query' | 'path' | 'header' | 'cookie'; schema: Schema; style?: string; explode?: boolean; description?: string };
type Operation = { operationId: string; parameters?: Parameter[]; security?: Record<string, string[]>[] };

const doc = spec as unknown as {
  paths: Record<string, Record<string, Operation | Parameter[]>>;
  security: Record<string, string[]>[];
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
};

function deref<T extends { $ref?: string }>(o: T): T {
  let x: unknown = o;
  while (x && typeof x === 'object' && '$ref' in x && typeof x.$ref === 'string') {
    x = x.$ref.slice(2).split('/').reduce<unknown>((a, k) => (a as Record<string, unknown>)[k], doc);
  }
  return x as T;
}

/** Free-form parameters ("any other parameter is ignored", RFC 6749 §3.1): bounded by the URL limit alone. */
const FREE_FORM = new Set(['authorizeOAuth:other', 'authorizeOAuth2:other']);

const UTF8_BANDS: [bytes: number, from: number, to: number][] = [
  [4, 0x10000, 0x10ffff],
  [3, 0xe000, 0xffff],
  [3, 0x800, 0xd7ff],
  [2, 0x80, 0x7ff],
];
const bandStrings = new Map<number, string>();
function band(i: number): string {
  if (!bandStrings.has(i)) {
    const [, from, to] = UTF8_BANDS[i];
    const cps: number[] = [];
    for (let cp = from; cp <= to; cp++) cps.push(cp);
    let s = '';
    for (let k = 0; k < cps.length; k += 8192) s += String.fromCodePoint(...cps.slice(k, k + 8192));
    bandStrings.set(i, s);
  }
  return bandStrings.get(i)!;
}

/**
 * Worst-case bytes of one character in a URL: 3 (a %XX) per UTF-8 byte. A pattern that is a single
 * character class (`^[…]*$`, `^[…]+$`, `^[…]{m,n}$`) is checked against every code point, so an
 * ASCII-only class costs 3 bytes a character; any other pattern (or none) costs 12.
 */
const perCharCache = new Map<string, number>();
function urlBytesPerChar(pattern: string | undefined): number {
  if (!pattern) return 12;
  const m = pattern.match(/^\^(\[(?:\\.|[^\]\\])+\])(?:[*+]|\{\d+(?:,\d*)?\})\$$/);
  if (!m) return 12;
  if (!perCharCache.has(m[1])) {
    const cls = new RegExp(m[1], 'u');
    let bytes = 1;
    for (let i = 0; i < UTF8_BANDS.length; i++) {
      if (cls.test(band(i))) {
        bytes = UTF8_BANDS[i][0];
        break;
      }
    }
    perCharCache.set(m[1], 3 * bytes);
  }
  return perCharCache.get(m[1])!;
}

/** Largest encoded value of a schema in a URL, or undefined when the schema sets no bound. */
function maxValueBytes(s0: Schema, perChar = urlBytesPerChar): number | undefined {
  const s = deref(s0);
  if (s.const !== undefined) return encodeURIComponent(String(s.const)).length;
  if (s.enum) return Math.max(...s.enum.map((v) => encodeURIComponent(String(v)).length));
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) {
    const all = alternatives.map((a) => maxValueBytes(a, perChar));
    return all.some((x) => x === undefined) ? undefined : Math.max(...(all as number[]));
  }
  const types = ([] as string[]).concat(s.type ?? []);
  if (types.includes('string')) return s.maxLength === undefined ? undefined : s.maxLength * perChar(s.pattern);
  if (types.includes('integer') || types.includes('number')) {
    if (s.minimum === undefined || s.maximum === undefined) return undefined;
    return Math.max(String(s.minimum).length, String(s.maximum).length) * 3;
  }
  if (types.includes('boolean')) return 'false'.length * 3;
  return undefined;
}

interface Worst {
  url: number;
  headers: number;
  unbounded: string[];
}

function worstCase(path: string, method: string, item: Record<string, Operation | Parameter[]>): Worst {
  const op = item[method] as Operation;
  const byKey = new Map<string, Parameter>();
  for (const p of [...((item.parameters as Parameter[]) ?? []), ...(op.parameters ?? [])].map(deref)) byKey.set(`${p.in}:${p.name}`, p);
  let url = path.length;
  let query = 0;
  let headers = 0;
  const unbounded: string[] = [];
  for (const p of byKey.values()) {
    const schema = deref(p.schema);
    if (FREE_FORM.has(`${op.operationId}:${p.name}`)) {
      expect(p.description, `${op.operationId} ${p.name} names the URL limit`).toMatch(/URL limit/);
      continue;
    }
    const name = encodeURIComponent(p.name).length;
    if (p.in === 'query' && deref(schema).type === 'array') {
      const item1 = maxValueBytes(schema.items ?? {});
      if (item1 === undefined || schema.maxItems === undefined) unbounded.push(`${p.in}:${p.name}`);
      else query += p.explode === false ? name + 2 + schema.maxItems * (item1 + 3) : schema.maxItems * (name + 2 + item1);
      continue;
    }
    // Header and cookie values are raw bytes: at most 4 per character (UTF-8), a third of the URL price.
    const value = p.in === 'header' || p.in === 'cookie' ? maxValueBytes(schema, (pattern) => urlBytesPerChar(pattern) / 3) : maxValueBytes(schema);
    if (value === undefined) {
      unbounded.push(`${p.in}:${p.name}`);
      continue;
    }
    if (p.in === 'path') url += value - `{${p.name}}`.length;
    else if (p.in === 'query') query += name + 2 + value; // "?" or "&", "="
    else headers += p.name.length + 4 + value; // ": " and CRLF (cookies: "; " and "=")
  }
  // Credentials of the security requirement that costs the most (each a bounded token the server issued).
  const requirements = op.security ?? doc.security;
  headers += Math.max(0, ...requirements.map((r) => Object.keys(r).length * CREDENTIAL_BYTES));
  headers += ORDINARY_HEADERS_BYTES;
  return { url: url + query, headers, unbounded };
}

const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter((m) => m !== 'parameters' && typeof (item[m] as Operation).operationId === 'string')
    .map((method) => ({ path, method, item })),
);

describe('limits the spec promises fit the limits the server enforces', () => {
  it('the URL limit and the header-field budget add up to the cap given to Node', () => {
    expect(MAX_HEADER_BYTES).toBe(MAX_URL_BYTES + HEADER_FIELDS_BYTES);
  });

  it('a single-character-class pattern is priced by the code points it admits', () => {
    expect(urlBytesPerChar('^[A-Za-z0-9._-]+$')).toBe(3);
    expect(urlBytesPerChar('^[\\x20-\\x7E]*$')).toBe(3);
    expect(urlBytesPerChar('^[^\\p{Cc}]*$')).toBe(12);
    expect(urlBytesPerChar('^[^\\x00-\\x1F\\x7F-\\x9F]*$')).toBe(12);
    expect(urlBytesPerChar('^[A-Za-zé]*$')).toBe(6);
    expect(urlBytesPerChar('^(a|b)*$')).toBe(12);
    expect(urlBytesPerChar(undefined)).toBe(12);
  });

  for (const { path, method, item } of operations) {
    const op = item[method] as Operation;
    it(`${op.operationId}: every parameter is bounded and the worst-case request fits`, () => {
      const worst = worstCase(path, method, item);
      expect(worst.unbounded, 'parameters without a bound (maxLength, maxItems, minimum/maximum or enum)').toEqual([]);
      expect(worst.url, `worst-case URL of ${method.toUpperCase()} ${path}`).toBeLessThanOrEqual(MAX_URL_BYTES);
      expect(worst.headers, `worst-case header fields of ${method.toUpperCase()} ${path}`).toBeLessThanOrEqual(HEADER_FIELDS_BYTES);
      const requestLine = method.length + 1 + worst.url + ' HTTP/1.1\r\n'.length;
      expect(requestLine + worst.headers, 'request line and header fields under the cap').toBeLessThanOrEqual(MAX_HEADER_BYTES);
    });
  }
});
