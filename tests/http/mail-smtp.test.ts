import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';
import { startSmtpServer, type SmtpServer } from '../helpers/smtp';

let smtp: SmtpServer;
let s: TestServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  s = await startServer({ KEYHAVEN_SMTP_URL: smtp.url, KEYHAVEN_MAIL_FROM: 'Keyhaven <no-reply@keyhaven.test>' });
});
afterAll(async () => {
  await s?.close();
  await smtp?.close();
});

describe('verification mail over SMTP', () => {
  it('register → the SMTP server receives the mail → its link verifies the user', async () => {
    expect(s.deps.mail.kind).toBe('smtp');
    const email = 'smtp-user@example.com';
    const res = await registerAccount({ client: s.client, body: { name: 'Smtp User', email, password: 'Correct-Horse-42' } });
    expect(res.data).toEqual({ message: 'If this email is available, a verification link has been sent.' });

    const mail = await smtp.waitFor(email);
    expect(mail.from).toBe('no-reply@keyhaven.test');
    expect(mail.text).toMatch(/^Subject: Verify your email address/m);
    const link = mail.text.match(/http:\/\/127\.0\.0\.1:\d+\/api\/v1\/auth\/verify\?\S+/)?.[0];
    expect(link).toBeDefined();
    expect(new URL(link!).searchParams.get('email')).toBe(email);
    // SMTP delivery does not also write the development outbox.
    expect(await s.deps.repos.outbox.listFor(email)).toEqual([]);

    expect((await s.deps.repos.users.findByEmail(email))!.email_verified).toBe(0);
    const verify = await fetch(link!, { redirect: 'manual' });
    expect(verify.status).toBe(302);
    expect(verify.headers.get('location')).toBe('/login?verified=true');
    expect((await s.deps.repos.users.findByEmail(email))!.email_verified).toBe(1);

    const again = await fetch(link!, { redirect: 'manual' });
    expect(again.headers.get('location')).toBe('/login?error=invalid-token');
  });

  it('sends the "someone tried to register" mail for a taken address, with no link', async () => {
    const email = 'smtp-taken@example.com';
    await registerAccount({ client: s.client, body: { name: 'Taken', email, password: 'Correct-Horse-42' } });
    const first = await smtp.waitFor(email);
    const user = await s.deps.repos.users.findByEmail(email);
    await s.deps.repos.users.markEmailVerified(user!.id, Date.now());
    const count = smtp.messages.length;
    await registerAccount({ client: s.client, body: { name: 'Mallory', email, password: 'Correct-Horse-42' } });
    await expect.poll(() => smtp.messages.length).toBe(count + 1);
    const second = smtp.messages.at(-1)!;
    expect(second).not.toBe(first);
    expect(second.text).toMatch(/^Subject: Someone tried to register with your email/m);
    expect(second.text).not.toContain('/api/v1/auth/verify');
  });

  it('answers the generic message even when the SMTP server is down (no enumeration through errors)', async () => {
    const down = await startServer({ KEYHAVEN_SMTP_URL: 'smtp://127.0.0.1:1' });
    try {
      const res = await registerAccount({ client: down.client, body: { name: 'Down', email: 'down@example.com', password: 'Correct-Horse-42' } });
      expect(res.response.status).toBe(200);
      expect(res.data).toEqual({ message: 'If this email is available, a verification link has been sent.' });
    } finally {
      await down.close();
    }
  });
});
