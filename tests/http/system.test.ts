import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHealth, getOpenApiDocument } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('system', () => {
  it('answers /healthz through the generated client', async () => {
    const res = await getHealth({ client: s.client });
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({ status: 'ok' });
  });

  it('serves the bundled document', async () => {
    const res = await getOpenApiDocument({ client: s.client });
    expect((res.data as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('answers an unknown path with 404 and the API error body', async () => {
    const res = await fetch(`${s.baseUrl}/no/such/path`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error: 'not_found', message: 'no such path' });
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await fetch(`${s.baseUrl}/healthz`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
