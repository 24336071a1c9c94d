import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';

const MESSAGE = 'If this email is available, a verification link has been sent.';
const PASSWORD = 'Correct-Horse-42';

let s: TestServer;
let ipCounter = 0;
/** Each request from its own client IP (KEYHAVEN_TRUST_PROXY is on here), so the 5/hour limit stays out of the way. */
const freshIp = () => `198.51.100.${++ipCounter}`;

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp(), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  // A costlier hash than the default makes the timing signal clear of scheduling noise.
  s = await startServer({ KEYHAVEN_TRUST_PROXY: '1', KEYHAVEN_ARGON2_TIME: '4' });
});
afterAll(() => s.close());

describe('POST /api/v1/auth/register', () => {
  it('creates the user, a playground tenant with the user as admin, and an outbox mail with the link', async () => {
    const res = await registerAccount({
      client: s.client,
      body: { name: 'Ada Lovelace', email: 'Ada@Example.com', password: PASSWORD },
      headers: { 'x-forwarded-for': freshIp() },
    });
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({ message: MESSAGE });

    const user = await s.deps.repos.users.findByEmail('ada@example.com');
    expect(user).toMatchObject({ full_name: 'Ada Lovelace', email_verified: 0 });
    const membership = await s.deps.repos.tenants.firstMembership(user!.id);
    expect(membership?.role).toBe('admin');
    const org = await s.deps.repos.tenants.findById(membership!.organization_id);
    expect(org).toMatchObject({ kind: 'playground' });
    expect(org!.code).toMatch(/^org_[0-9a-f]{16}$/);
    // The password is stored as an argon2id hash, never in clear.
    expect(await s.deps.repos.users.passwordHash(user!.id)).toMatch(/^\$argon2id\$/);

    const mails = await s.deps.repos.outbox.listFor('Ada@Example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0].body_text).toContain(`${s.baseUrl}/api/v1/auth/verify?token=`);
    expect(mails[0].body_text).toContain('email=Ada%40Example.com');
    // Only the token's hash is stored.
    const token = new URL(mails[0].body_text.match(/https?:\/\/\S+/)![0]).searchParams.get('token')!;
    const rows = await s.deps.db.selectFrom('email_verifications').selectAll().where('user_id', '=', user!.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).not.toContain(token);
  });

  it('answers an existing email exactly like a new one and creates nothing (no enumeration)', async () => {
    await post({ name: 'Grace', email: 'grace@example.com', password: PASSWORD });
    const before = await s.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const again = await post({ name: 'Mallory', email: 'GRACE@example.com', password: 'Other-Pass-99' });
    const fresh = await post({ name: 'Nobody', email: 'nobody-yet@example.com', password: PASSWORD });
    expect(again.status).toBe(fresh.status);
    expect(again.body).toEqual(fresh.body);
    expect(again.body).toEqual({ message: MESSAGE });
    const names = (h: Headers) => {
      const out: string[] = [];
      h.forEach((_v, k) => out.push(k));
      return out.sort();
    };
    expect(names(again.headers)).toEqual(names(fresh.headers));
    const after = await s.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n + 1); // only nobody-yet was created
    const grace = await s.deps.repos.users.findByEmail('grace@example.com');
    expect(grace!.full_name).toBe('Grace'); // unchanged by the second attempt
  });

  it('mails the owner of a verified account instead of a new link', async () => {
    await post({ name: 'Vera', email: 'vera@example.com', password: PASSWORD });
    const vera = await s.deps.repos.users.findByEmail('vera@example.com');
    await s.deps.repos.users.markEmailVerified(vera!.id, Date.now());
    await post({ name: 'Vera', email: 'vera@example.com', password: PASSWORD });
    const mails = await s.deps.repos.outbox.listFor('vera@example.com');
    expect(mails.map((m) => m.subject)).toEqual(['Verify your email address', 'Someone tried to register with your email']);
    expect(mails[1].body_text).not.toContain('token=');
  });

  it('takes similar time for a known and an unknown email (the password is hashed either way)', async () => {
    await post({ name: 'Timing', email: 'timing@example.com', password: PASSWORD });
    const time = async (email: string) => {
      const t0 = performance.now();
      const r = await post({ name: 'T', email, password: PASSWORD });
      expect(r.status).toBe(200);
      return performance.now() - t0;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time('timing@example.com'));
      unknown.push(await time(`timing-${i}@example.com`));
    }
    const hashing: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await s.deps.passwords.hash(PASSWORD);
      hashing.push(performance.now() - t0);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [k, u, h] = [median(known), median(unknown), median(hashing)];
    // Skipping the hash on the known-email path would make the difference the whole argon2 cost.
    expect(Math.abs(k - u)).toBeLessThan(0.5 * h);
    expect(Math.min(k, u)).toBeGreaterThan(h * 0.8);
  });

  it.each([
    ['no uppercase letter', { name: 'A', email: 'p1@example.com', password: 'lowercase-42' }, '/body/password'],
    ['no number', { name: 'A', email: 'p2@example.com', password: 'NoNumbersHere' }, '/body/password'],
    ['too short', { name: 'A', email: 'p3@example.com', password: 'Ab1' }, '/body/password'],
    ['too long', { name: 'A', email: 'p4@example.com', password: 'A1' + 'x'.repeat(127) }, '/body/password'],
    ['a name over 100 chars', { name: 'n'.repeat(101), email: 'p5@example.com', password: PASSWORD }, '/body/name'],
    ['an email over 255 chars', { name: 'A', email: `${'e'.repeat(64)}@${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(63)}.com`, password: PASSWORD }, '/body/email'],
    ['an invalid email', { name: 'A', email: 'not-an-email', password: PASSWORD }, '/body/email'],
    ['a missing name', { email: 'p6@example.com', password: PASSWORD }, '/body/name'],
  ])('refuses %s with 400 in the management error shape', async (_what, body, field) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    const errors = r.body.errors as Array<{ code: string; message: string }>;
    expect(errors[0].code).toBe('BAD_REQUEST');
    expect(errors[0].message).toContain(field);
  });

  it('accepts the boundaries: 8 and 128 characters, a 100-character name', async () => {
    expect((await post({ name: 'n'.repeat(100), email: 'b1@example.com', password: 'Abcdef1x' })).status).toBe(200);
    expect((await post({ name: 'B', email: 'b2@example.com', password: '1' + 'x'.repeat(126) + 'Z' })).status).toBe(200);
  });
});

describe('register rate limit: 5 per IP per hour', () => {
  it('answers the 6th request from one IP with 429 and Retry-After', async () => {
    const ip = '203.0.113.77';
    for (let i = 0; i < 5; i++) {
      expect((await post({ name: 'R', email: `rl-${i}@example.com`, password: PASSWORD }, { 'x-forwarded-for': ip })).status).toBe(200);
    }
    const limited = await post({ name: 'R', email: 'rl-5@example.com', password: PASSWORD }, { 'x-forwarded-for': ip });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    expect(limited.body).toEqual({ errors: [{ code: 'TOO_MANY_REQUESTS', message: expect.any(String) }] });
    expect(await s.deps.repos.users.findByEmail('rl-5@example.com')).toBeUndefined();
    // Another client IP is not affected.
    expect((await post({ name: 'R', email: 'rl-6@example.com', password: PASSWORD }, { 'x-forwarded-for': '203.0.113.78' })).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless KEYHAVEN_TRUST_PROXY is set', async () => {
    const plain = await startServer();
    try {
      const send = (i: number) =>
        fetch(`${plain.baseUrl}/api/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `192.0.2.${i}` },
          body: JSON.stringify({ name: 'X', email: `xff-${i}@example.com`, password: PASSWORD }),
        });
      for (let i = 0; i < 5; i++) expect((await send(i)).status).toBe(200);
      // A different forged X-Forwarded-For each time does not escape the limit of the real peer address.
      const res = await send(5);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await plain.close();
    }
  });
});
