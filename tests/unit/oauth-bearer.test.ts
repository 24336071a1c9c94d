import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from 'openapi-backend';
import type { Request } from 'express';
import { startServer, type TestServer } from '../helpers/server';
import { oauthSecurityHandlers } from '../../src/http/security/oauth';
import { issueTokens } from '../../src/services/oauth/tokens';
import { HttpError } from '../../src/http/errors';

let s: TestServer;
let token: (scope: string, format: 'jwt' | 'opaque') => Promise<string>;
const ctx = (authorization: string, security: Record<string, string[]>[]) =>
  ({ request: { headers: { authorization } }, operation: { security } }) as unknown as Context;

beforeAll(async () => {
  s = await startServer();
  const user = await s.deps.repos.users.create({ email: 'scope@example.com' }, null, Date.now());
  token = async (scope, format) => {
    const client = (await s.deps.repos.oauthClients.find('kendr-desktop'))!;
    const scopes = scope.split(' ');
    const t = await issueTokens(s.deps, { client: { ...client, tokenFormat: format }, scopes, audience: [s.config.issuer], grant: { user, scopes, authTime: Date.now(), amr: ['pwd'], extra: {} } });
    return t.access_token;
  };
});
afterAll(() => s.close());

describe('oauthBearer security handler', () => {
  const bearer = () => oauthSecurityHandlers(s.deps).oauthBearer;

  it('returns an oauth principal with scopes and client for JWT and opaque tokens', async () => {
    for (const format of ['jwt', 'opaque'] as const) {
      const p = (await bearer()(ctx(`Bearer ${await token('profile app', format)}`, [{ oauthBearer: ['app'] }]), {} as Request)) as { userId: number };
      expect(p).toMatchObject({ kind: 'oauth', clientId: 'kendr-desktop', scopes: ['profile', 'app'] });
      expect(p.userId).toBeGreaterThan(0);
    }
  });

  it('throws 403 insufficient_scope when the token lacks the required scope', async () => {
    const t = await token('profile email', 'opaque');
    const err = await bearer()(ctx(`Bearer ${t}`, [{ cookieSession: [] }, { oauthBearer: ['app'] }]), {} as Request).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 403, code: 'insufficient_scope' });
    expect(err.extra.headers['WWW-Authenticate']).toMatch(/error="insufficient_scope"/);
  });

  it('ignores non-bearer and malformed headers', async () => {
    for (const h of ['', 'Basic abc', 'Bearer', 'Bearer a b', 'bearer kndr_oat_nope']) {
      expect(await bearer()(ctx(h, [{ oauthBearer: [] }]), {} as Request)).toBeUndefined();
    }
  });
});
