import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import argon2 from 'argon2';
import { startServer, type TestServer } from '../helpers/server';

const composed = 'Caf\u00e9-au-lait-42'; // NFC
const decomposed = 'Cafe\u0301-au-lait-42'; // NFD: what some keyboards and platforms produce

let s: TestServer;
let ip = 0;
beforeAll(async () => {
  s = await startServer({ KEYHAVEN_TRUST_PROXY: '1' });
});
afterAll(() => s.close());

const post = (path: string, body: unknown) =>
  fetch(`${s.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${++ip}` },
    body: JSON.stringify(body),
  });

describe('passwords are Unicode-normalised at registration and sign-in', () => {
  it('registered composed, signs in decomposed (browser and app sign-in)', async () => {
    expect((await post('/api/auth/register', { email: 'nfc@example.com', password: composed })).status).toBe(201);
    expect((await post('/api/auth/login', { email: 'nfc@example.com', password: decomposed })).status).toBe(200);
    expect((await post('/api/app/auth/login', { email: 'nfc@example.com', password: decomposed })).status).toBe(200);
  });

  it('registered decomposed (seed 003 registration), signs in composed', async () => {
    expect((await post('/api/v1/auth/register', { name: 'Nora', email: 'nfd@example.com', password: decomposed })).status).toBe(200);
    expect((await post('/api/auth/login', { email: 'nfd@example.com', password: composed })).status).toBe(200);
  });

  it('a hash stored before the change (from the raw, decomposed input) still signs in, and is upgraded on success', async () => {
    const legacyHash = await argon2.hash(decomposed, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const user = await s.deps.repos.users.create({ email: 'legacy@example.com', fullName: 'Legacy' }, legacyHash, Date.now());
    // The other spelling cannot match a hash of the raw input yet.
    expect((await post('/api/auth/login', { email: 'legacy@example.com', password: composed })).status).toBe(401);
    expect((await post('/api/auth/login', { email: 'legacy@example.com', password: decomposed })).status).toBe(200);
    const upgraded = await s.deps.repos.users.passwordHash(user.id);
    expect(upgraded).not.toBe(legacyHash);
    expect(await argon2.verify(upgraded!, composed)).toBe(true);
    // Now either spelling works.
    expect((await post('/api/auth/login', { email: 'legacy@example.com', password: composed })).status).toBe(200);
    expect((await post('/api/auth/login', { email: 'legacy@example.com', password: decomposed })).status).toBe(200);
  });
});
