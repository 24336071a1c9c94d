import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, checkFormBody, checkJsonBody } from '../../src/http/bodyChecks';
import { HttpError } from '../../src/http/errors';

const failure = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HttpError);
    return { status: (e as HttpError).status, message: (e as HttpError).message };
  }
  return undefined;
};
const json = (s: string | Buffer) => failure(() => checkJsonBody(Buffer.isBuffer(s) ? s : Buffer.from(s)));

describe('JSON body checks (before parsing)', () => {
  it(`allows ${MAX_JSON_DEPTH} levels and refuses one more, naming the limit`, () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(json('['.repeat(32) + ']'.repeat(32))).toBeUndefined();
    expect(json('{"a":'.repeat(32) + '1' + '}'.repeat(32))).toBeUndefined();
    expect(json('['.repeat(33) + ']'.repeat(33))).toEqual({ status: 400, message: 'JSON nesting deeper than 32 levels' });
  });

  it('is iterative: ten million levels are refused without a stack overflow', () => {
    expect(json('['.repeat(10_000_000))?.status).toBe(400);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(json(`{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`)).toBeUndefined();
    expect(json(`["\\\\", ${'['.repeat(40)}`)?.message).toMatch(/nesting/);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(json(Buffer.from([0x22, 0xff, 0x22]))).toEqual({ status: 400, message: 'request body is not valid UTF-8' });
    expect(json(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))?.status).toBe(400); // an encoded surrogate
    expect(json('"Zoë 😀"')).toBeUndefined();
  });

  it('refuses \\u escapes that leave a surrogate unpaired', () => {
    expect(json('"\\ud800"')?.message).toMatch(/unpaired surrogate/);
    expect(json('"\\udc00\\ud800"')?.message).toMatch(/unpaired surrogate/);
    expect(json('"\\uD800x"')?.message).toMatch(/unpaired surrogate/);
    expect(json('"\\ud83d\\ude00 \\u00e9 \\\\ud800"')).toBeUndefined(); // a pair, a BMP escape, an escaped backslash
  });
});

describe('form body checks', () => {
  const form = (s: string | Buffer) => failure(() => checkFormBody(Buffer.isBuffer(s) ? s : Buffer.from(s)));
  it('refuses raw or percent-encoded bytes that are not UTF-8', () => {
    expect(form('a=caf%C3%A9&b=%E2%82%AC+x')).toBeUndefined();
    expect(form('a=%C3%28')).toEqual({ status: 400, message: 'request body is not valid UTF-8' });
    expect(form('a=%FF')?.status).toBe(400);
    expect(form(Buffer.from([0x61, 0x3d, 0xfe]))?.status).toBe(400);
    expect(form('a=100%25&b=%zz')).toBeUndefined(); // a literal percent sign, a malformed escape left as is
  });
});
