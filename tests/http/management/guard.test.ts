import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import spec from '../../../generated/openapi.json';
import { startManagementServer, type ManagementServer } from '../../helpers/management';
import { issueTokens } from '../../../src/services/oauth/tokens';
import { managementAudience } from '../../../src/services/oauth/clients';
import { MANAGEMENT_SCOPES } from '../../../src/services/management/scopes';

/**
 * The spec-driven guard of the management API: every operation whose security names kindeBearerAuth
 * answers 401 without a valid management token (none, malformed, a user's, another audience's) and
 * 403 with a valid one that lacks the operation's scope, both in the management error shape.
 */
type Op = { operationId: string; security?: Record<string, string[]>[] };
const operations = Object.entries(spec.paths as unknown as Record<string, Record<string, Op>>).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([, op]) => typeof op === 'object' && !Array.isArray(op) && op.security?.some((r) => 'kindeBearerAuth' in r))
    .map(([method, op]) => ({ method: method.toUpperCase(), path, op, scope: op.security!.find((r) => 'kindeBearerAuth' in r)!.kindeBearerAuth[0] })),
);

// Path parameters filled with values of the right shape (the guard answers before any lookup).
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x_1');
const bodyFor = (method: string) => (['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined);

let s: ManagementServer;
let userToken: string;
let foreignToken: string;
let unscopedToken: string;

beforeAll(async () => {
  s = await startManagementServer();
  const user = await s.deps.repos.users.create({ email: 'guard@example.com' }, null, Date.now());
  const desktop = (await s.deps.repos.oauthClients.find('kendr-desktop'))!;
  const scopes = ['profile', 'app'];
  // A user's JWT, even one whose audience is the management API's, is no management credential.
  userToken = (await issueTokens(s.deps, { client: { ...desktop, tokenFormat: 'jwt' }, scopes, audience: [managementAudience(s.deps)], grant: { user, scopes, authTime: Date.now(), amr: ['pwd'], extra: {} } })).access_token;
  foreignToken = (await issueTokens(s.deps, { client: { ...desktop, tokenFormat: 'jwt' }, scopes: [], audience: ['https://elsewhere.example.com'] })).access_token;
  unscopedToken = await s.tokenWithScopes([]);
});
afterAll(() => s.close());

const call = (method: string, path: string, token?: string) =>
  fetch(s.baseUrl + concrete(path), {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: bodyFor(method),
  });

describe('kindeBearerAuth on every management operation', () => {
  it('covers the management operations and their scopes', () => {
    expect(operations.length).toBeGreaterThanOrEqual(4);
    expect(new Set(operations.map((o) => o.scope))).toEqual(new Set(MANAGEMENT_SCOPES));
    for (const o of operations) expect(o.scope).toMatch(/^(read|create|update|delete):[a-z_]+$/);
  });

  it.each(operations.map((o) => [`${o.method} ${o.path}`, o] as const))('%s: 401 without a valid management token, 403 without its scope', async (_, o) => {
    for (const token of [undefined, 'not-a-jwt', userToken, foreignToken]) {
      const res = await call(o.method, o.path, token);
      expect(res.status, `token ${token?.slice(0, 12)}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await res.json()).errors[0].code).toBe('UNAUTHORIZED');
    }
    const res = await call(o.method, o.path, unscopedToken);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain(`scope="${o.scope}"`);
    expect((await res.json()).errors[0]).toMatchObject({ code: 'FORBIDDEN' });
  });
});
