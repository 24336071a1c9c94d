import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startServer, type TestServer } from '../helpers/server';

// Small timeouts through the environment, as an operator would set them.
const REQUEST_MS = 800;
const HEADERS_MS = 400;
const KEEPALIVE_MS = 300;

let s: TestServer;
const lines: Record<string, unknown>[] = [];
beforeAll(async () => {
  const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
  s = await startServer(
    {
      KEYHAVEN_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
      KEYHAVEN_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
      KEYHAVEN_KEEPALIVE_TIMEOUT_MS: String(KEEPALIVE_MS),
    },
    { log: pino({ level: 'info' }, sink) },
  );
});
afterAll(() => s.close());

interface Raw {
  socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  closed: Promise<{ text: string; ms: number }>;
}

function open(): Promise<Raw> {
  const { port } = new URL(s.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      const start = Date.now();
      let text = '';
      socket.on('data', (c) => (text += c.toString('latin1')));
      const closed = new Promise<{ text: string; ms: number }>((r) => socket.on('close', () => r({ text, ms: Date.now() - start })));
      resolve({ socket, closed });
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

const statusOf = (text: string) => Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1]);
const bodyOf = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));

describe('slow clients', () => {
  it('an incomplete header block is answered 408 after the headers timeout, not held for a minute', async () => {
    const c = await open();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const { text, ms } = await c.closed;
    expect(statusOf(text)).toBe(408);
    expect(bodyOf(text)).toMatchObject({ ok: false, error: 'request_timeout' });
    expect(ms).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(ms).toBeLessThan(HEADERS_MS + 1500);
  });

  it('a declared Content-Length that never arrives is answered 408 (JSON of the surface) and logged', async () => {
    const c = await open();
    c.socket.write('POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=cl');
    const { text, ms } = await c.closed;
    expect(statusOf(text)).toBe(408);
    expect(bodyOf(text)).toEqual({ error: 'invalid_request', error_description: 'request not received in time' });
    expect(ms).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(ms).toBeLessThan(REQUEST_MS + 1500);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'POST', path: '/oauth2/token', status: 408 }));
  });

  it('a body dripping one byte at a time is cut off at the request timeout', async () => {
    const c = await open();
    c.socket.write('POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    const drip = setInterval(() => c.socket.writable && c.socket.write(' '), 50);
    const { text, ms } = await c.closed;
    clearInterval(drip);
    expect(statusOf(text)).toBe(408);
    expect(bodyOf(text)).toMatchObject({ ok: false, error: 'request_timeout' });
    expect(ms).toBeLessThan(REQUEST_MS + 1500);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const c = await open();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const { text, ms } = await c.closed;
    expect(statusOf(text)).toBe(200);
    // Node adds a second of grace to the keep-alive timeout; its default alone is 5 s.
    expect(ms).toBeLessThan(KEEPALIVE_MS + 3000);
  });

  it('/healthz stays responsive while slow clients hold connections', async () => {
    const slow = await Promise.all(Array.from({ length: 20 }, () => open()));
    slow.forEach((c, i) =>
      c.socket.write(i % 2 ? 'GET /healthz HTTP/1.1\r\nHost: x\r\n' : 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{'),
    );
    const stillOpen = () => slow.filter((c) => !c.socket.destroyed).length;
    for (let i = 0; i < 5; i++) {
      const t = Date.now();
      const res = await fetch(`${s.baseUrl}/healthz`);
      expect(res.status).toBe(200);
      expect(Date.now() - t).toBeLessThan(250);
    }
    expect(stillOpen()).toBe(20);
    const answers = await Promise.all(slow.map((c) => c.closed));
    expect(answers.map((a) => statusOf(a.text))).toEqual(Array(20).fill(408));
  });
});
