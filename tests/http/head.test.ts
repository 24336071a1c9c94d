import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

/** A HEAD request over node:http, returning the status, headers and the bytes received after them. */
function head(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }>((resolve, reject) => {
    const req = request(`${s.baseUrl}${path}`, { method: 'HEAD', headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HEAD', () => {
  it('HEAD /healthz answers like GET without a body (uptime checkers)', async () => {
    const get = await fetch(`${s.baseUrl}/healthz`);
    const res = await head('/healthz');
    expect(res.status).toBe(200);
    expect(res.bytes).toBe(0);
    expect(res.headers['content-type']).toBe(get.headers.get('content-type'));
    expect(res.headers['content-length']).toBe(get.headers.get('content-length'));
  });

  it('works on any GET operation, with its security (401 for a protected one, still no body)', async () => {
    expect((await head('/.well-known/openid-configuration')).status).toBe(200);
    const protectedRes = await head('/api/auth/session');
    expect(protectedRes.status).toBe(401);
    expect(protectedRes.bytes).toBe(0);
  });

  it('is 405 where the path has no GET', async () => {
    const res = await head('/api/auth/login');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('405 answers list HEAD wherever GET is allowed', async () => {
    const res = await fetch(`${s.baseUrl}/healthz`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    const keys = await fetch(`${s.baseUrl}/api/v1/api-keys`, { method: 'PUT' });
    expect(keys.status).toBe(405);
    expect(keys.headers.get('allow')).toBe('GET, POST, DELETE, HEAD');
  });
});
