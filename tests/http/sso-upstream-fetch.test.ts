import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lookup, type LookupAddress } from 'node:dns';
import * as oidc from 'openid-client';
import { fetchVia, publicOnlyFetch, publicOnlyLookup } from '../../src/services/sso/fetch';
import { initManagementClient } from '../../src/services/oauth/clients';
import { startServer } from '../helpers/server';

const answering = (addresses: LookupAddress[]) => (_host: string, _o: { all: true }, cb: (e: null, a: LookupAddress[]) => void) => cb(null, addresses);
const lookupWith = (addresses: LookupAddress[], all: boolean) =>
  new Promise<{ err: NodeJS.ErrnoException | null; address?: unknown; family?: number }>((resolve) =>
    publicOnlyLookup(answering(addresses))('idp.example.com', { all }, (err, address, family) => resolve({ err, address, family })));

describe('SSO upstream fetch: the address is checked when connecting (DNS rebinding)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('passes public answers through, in both lookup forms', async () => {
    const publicAddr = [{ address: '93.184.216.34', family: 4 }];
    expect(await lookupWith(publicAddr, true)).toEqual({ err: null, address: publicAddr, family: undefined });
    expect(await lookupWith(publicAddr, false)).toEqual({ err: null, address: '93.184.216.34', family: 4 });
  });

  it('refuses an answer with any private address, or none', async () => {
    for (const answer of [[{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }], [{ address: '::1', family: 6 }], []]) {
      expect((await lookupWith(answer, false)).err).toMatchObject({ code: 'EPRIVATEADDRESS' });
    }
  });

  it('a name that resolves to loopback is refused at connect time; plain fetch reaches the same server', async () => {
    const url = `http://localhost:${port}/`;
    expect((await fetch(url)).status).toBe(200);
    const err = await publicOnlyFetch(url, { method: 'GET', headers: new Headers(), redirect: 'manual' } as never).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).cause).toMatchObject({ code: 'EPRIVATEADDRESS' });
  });
});

describe('SSO upstream fetch: openid-client over the guarded transport', () => {
  it('discovers a real issuer and completes a client-credentials grant (GET and form POST)', async () => {
    const s = await startServer();
    try {
      const m2m = await initManagementClient(s.deps);
      // Same transport as production, with a lookup that lets loopback through.
      const permissive = (h: string, o: { all?: boolean }, cb: Parameters<ReturnType<typeof publicOnlyLookup>>[2]) => lookup(h, o as never, cb as never);
      const config = await oidc.discovery(new URL(s.config.issuer), m2m.client_id, undefined, oidc.ClientSecretBasic(m2m.client_secret!), {
        execute: [oidc.allowInsecureRequests],
        [oidc.customFetch]: fetchVia(permissive),
      });
      const tokens = await oidc.clientCredentialsGrant(config, { audience: m2m.audience });
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect(tokens.access_token.split('.')).toHaveLength(3);
    } finally {
      await s.close();
    }
  });
});
