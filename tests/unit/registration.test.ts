import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps';
import { HttpError } from '../../src/http/errors';
import { register, registerLimit } from '../../src/services/registration';
import { loginRedirect, verificationLink, verifyEmail } from '../../src/services/verification';
import { primaryTenantOf, requireAdmin, roleIn } from '../../src/services/tenants';
import { createMailTransport } from '../../src/services/mail';
import { openUnitDeps } from '../helpers/unitDeps';
import { joinTransaction } from '../../src/store/tx';
import { userRepository } from '../../src/store/repositories/users';

let deps: Deps;
let close: () => Promise<void>;
let now = Date.parse('2026-03-16T10:00:00.000Z');
const input = (email: string) => ({ name: 'Unit User', email, password: 'Correct-Horse-42' });

beforeAll(() => {
  ({ deps, close } = openUnitDeps({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' }, () => now));
});
afterAll(() => close());

describe('register', () => {
  it('creates user, playground tenant (admin) and a verification token', async () => {
    await register(deps, input('unit@example.com'), '192.0.2.1');
    const user = (await deps.repos.users.findByEmail('unit@example.com'))!;
    const tenantId = (await primaryTenantOf(deps, user.id))!;
    expect(await roleIn(deps, user.id, tenantId)).toBe('admin');
    expect(await requireAdmin(deps, { kind: 'browser_session', userId: user.id, sessionId: 's-1' })).toEqual({ userId: user.id, tenantId });
    expect(await deps.repos.outbox.listFor('unit@example.com')).toHaveLength(1);
  });

  it('rolls the user back when a later step of the transaction fails (one transaction)', async () => {
    await expect(
      deps.db.transaction().execute(async (trx) => {
        await userRepository(joinTransaction(trx)).create({ email: 'rollback@example.com' }, null, now);
        throw new Error('tenant creation failed');
      }),
    ).rejects.toThrow('tenant creation failed');
    expect(await deps.repos.users.findByEmail('rollback@example.com')).toBeUndefined();
  });

  it('counts against 5 per IP per hour, then 429 with Retry-After', async () => {
    const ip = '192.0.2.50';
    for (let i = 0; i < 5; i++) await register(deps, input(`rl${i}@example.com`), ip);
    const err = await register(deps, input('rl5@example.com'), ip).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(429);
    expect(Number((err as HttpError).extra.headers!['Retry-After'])).toBeGreaterThan(0);
    expect(registerLimit(ip)).toEqual({ bucket: `register:ip:${ip}`, max: 5, windowSeconds: 3600 });
    now += 3600 * 1000; // the next window
    await register(deps, input('rl6@example.com'), ip);
    expect(await deps.repos.users.findByEmail('rl6@example.com')).toBeDefined();
  });
});

describe('verifyEmail', () => {
  it('maps outcomes to the seed redirects', () => {
    expect(loginRedirect('verified')).toBe('/login?verified=true');
    expect(loginRedirect('invalid-token')).toBe('/login?error=invalid-token');
    expect(loginRedirect('expired-token')).toBe('/login?error=expired-token');
    expect(loginRedirect('invalid-link')).toBe('/login?error=invalid-link');
  });

  it('builds the link under the issuer with both parameters encoded', () => {
    expect(verificationLink('https://id.example.com', 'a+b/c', 'x+y@example.com')).toBe('https://id.example.com/api/v1/auth/verify?token=a%2Bb%2Fc&email=x%2By%40example.com');
  });

  it('is single-use, bound to the email, and expires after 24 h', async () => {
    await register(deps, input('life@example.com'), '192.0.2.9');
    const link = new URL((await deps.repos.outbox.listFor('life@example.com'))[0].body_text.match(/https?:\/\/\S+/)![0]);
    const token = link.searchParams.get('token')!;
    expect(await verifyEmail(deps, undefined, 'life@example.com')).toBe('invalid-link');
    expect(await verifyEmail(deps, token, '')).toBe('invalid-link');
    expect(await verifyEmail(deps, token, 'other@example.com')).toBe('invalid-token');
    const start = now;
    now = start + 24 * 3600 * 1000;
    expect(await verifyEmail(deps, token, 'life@example.com')).toBe('expired-token');
    now = start;
    expect(await verifyEmail(deps, token, 'life@example.com')).toBe('verified');
    expect(await verifyEmail(deps, token, 'life@example.com')).toBe('invalid-token');
    expect((await deps.repos.users.findByEmail('life@example.com'))!.email_verified).toBe(1);
  });
});

describe('requireAdmin', () => {
  it('refuses a user without a tenant, and a member, with 403', async () => {
    const lone = await deps.repos.users.create({ email: 'lone@example.com' }, null, now);
    await expect(requireAdmin(deps, { kind: 'browser_session', userId: lone.id, sessionId: 's-2' })).rejects.toMatchObject({ status: 403 });
    const admin = (await deps.repos.users.findByEmail('unit@example.com'))!;
    const tenantId = (await primaryTenantOf(deps, admin.id))!;
    await deps.repos.tenants.addMember(lone.id, tenantId, 'member', now);
    await expect(requireAdmin(deps, { kind: 'browser_session', userId: lone.id, sessionId: 's-2' })).rejects.toMatchObject({ status: 403 });
    await expect(requireAdmin(deps, { kind: 'oauth_client', clientId: 'some-client' })).rejects.toMatchObject({ status: 403 });
  });
});

describe('mail transport without SMTP', () => {
  it('keeps the mail in the outbox and logs its link (development)', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const transport = createMailTransport({ smtpUrl: undefined, mailFrom: 'x@example.com' }, deps.repos.outbox, log, () => now);
    expect(transport.kind).toBe('outbox');
    await transport.send({ to: 'dev@example.com', subject: 'Verify', text: 'open https://id.example.com/api/v1/auth/verify?token=t&email=e now' });
    expect((await deps.repos.outbox.listFor('dev@example.com'))[0]).toMatchObject({ subject: 'Verify', created_at: now });
    expect(JSON.parse(lines[0])).toMatchObject({ to: 'dev@example.com', links: ['https://id.example.com/api/v1/auth/verify?token=t&email=e'] });
  });
});
