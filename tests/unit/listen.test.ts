import { describe, expect, it } from 'vitest';
import { classifyOverflow } from '../../src/http/listen';

const classify = (text: string) => {
  const r = classifyOverflow(Buffer.from(text, 'latin1'), 100);
  return { status: r.error.status, method: r.method, path: r.path };
};

describe('header overflow: URL (414) or header fields (431)', () => {
  it('a chunk holding the start of the request decides by the request line', () => {
    expect(classify(`GET /a?q=${'x'.repeat(200)}`)).toEqual({ status: 414, method: 'GET', path: '/a' });
    expect(classify(`GET /a?q=${'x'.repeat(200)} HTTP/1.1\r\nHost: h\r\n`)).toEqual({ status: 414, method: 'GET', path: '/a' });
    expect(classify(`POST /b?q=1 HTTP/1.1\r\nX-Big: ${'y'.repeat(200)}`)).toEqual({ status: 431, method: 'POST', path: '/b' });
  });

  it('a later chunk: the end of the request line, a header, or a line without whitespace (a URL)', () => {
    expect(classify(`${'x'.repeat(50)} HTTP/1.1\r\nHost: h\r\n`).status).toBe(414);
    expect(classify(`${'y'.repeat(50)}\r\nX-Other: 1\r\n`).status).toBe(431);
    expect(classify('x'.repeat(200)).status).toBe(414);
    expect(classify(`${'a=1; '.repeat(40)}`).status).toBe(431);
  });

  it('never reports the query', () => {
    expect(classify(`GET /c?secret=${'s'.repeat(200)}`).path).toBe('/c');
  });
});
