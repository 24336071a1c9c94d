#!/usr/bin/env node
// Measures the hot paths of the built server: req/s and latency percentiles per scenario.
// `make bench` (builds first). Options: --duration SECONDS (default 5), --concurrency N (default 16),
// --only name1,name2. Writes bench/results/latest.json.
//
// A scenario is { name, method, path, setup?(ctx) → per-scenario state, request?(state) → { headers, body } }.
// setup runs once before the measurement (register a user, obtain a token, …); add scenarios to SCENARIOS.
// Covered: client-credentials issuance (JWT and opaque clients), introspection (JWT and opaque tokens),
// a JWT-protected GET (/oauth2/v2/user_profile), password sign-in (browser and app), session checks and
// a management list (GET /api/v1/api-keys), and seed 002's user list at 1k and 100k users. Errors (a status other than `expect`) fail the run.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USER = { email: 'bench@keyhaven.test', password: 'bench-password-123', full_name: 'Bench User' };
const json = (body) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function appLogin(ctx) {
  const res = await fetch(`${ctx.baseUrl}/api/app/auth/login`, { method: 'POST', ...json({ email: USER.email, password: USER.password }) });
  if (res.status !== 200) throw new Error(`app login failed: ${res.status} ${await res.text()}`);
  return (await res.json()).session.token;
}

const form = (params) => ({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });

async function m2mToken(ctx) {
  const res = await fetch(`${ctx.baseUrl}/oauth2/token`, { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: ctx.m2m.client_id, client_secret: ctx.m2m.client_secret }) });
  if (res.status !== 200) throw new Error(`client credentials failed: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

const b64url = (buf) => buf.toString('base64url');
const sha256 = (s) => createHash('sha256').update(s).digest();

/**
 * Registers an OAuth application straight in the data directory's database, as the clients
 * repository stores it (secret as SHA-256, like hashToken). `keyhaven init` only makes the JWT M2M app.
 */
function insertClient(ctx, c) {
  const secret = c.confidential ? b64url(randomBytes(36)).replace(/[^A-Za-z0-9]/g, 'x') : undefined;
  const db = new Database(join(ctx.dataDir, 'keyhaven.db'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(
      `INSERT INTO oauth_clients (client_id, name, type, secret_hash, redirect_uris, logout_uris, grant_types, default_scopes, token_format, first_party, audiences, created_at)
       VALUES (?, ?, ?, ?, ?, '[]', ?, ?, ?, 1, ?, ?)`,
    ).run(
      c.clientId, c.clientId, c.confidential ? 'confidential' : 'public', secret ? b64url(sha256(secret)) : null,
      JSON.stringify(c.redirectUris ?? []), JSON.stringify(c.grantTypes), (c.scopes ?? []).join(' '), c.tokenFormat,
      JSON.stringify(c.audiences ?? []), Date.now(),
    );
  } finally {
    db.close();
  }
  return { client_id: c.clientId, client_secret: secret };
}

/** The opaque-format twin of the `keyhaven init` application (same grant and audience). */
const opaqueM2M = (ctx) =>
  (ctx.opaqueM2M ??= insertClient(ctx, { clientId: 'bench-m2m-opaque', confidential: true, grantTypes: ['client_credentials'], tokenFormat: 'opaque', audiences: [ctx.m2m.audience] }));

async function clientCredentials(ctx, client) {
  const res = await fetch(`${ctx.baseUrl}/oauth2/token`, { method: 'POST', ...form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }) });
  if (res.status !== 200) throw new Error(`client credentials failed: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

/** Setup check that introspection really reports the token active (a 200 alone would not show it). */
async function activeToken(ctx, client, token) {
  const res = await fetch(`${ctx.baseUrl}/oauth2/introspect`, { method: 'POST', ...form({ token, client_id: client.client_id, client_secret: client.client_secret }) });
  if (!(await res.json()).active) throw new Error('introspection reports the bench token inactive');
  return { ...client, token };
}

/** A user's JWT access token through the real flow: password sign-in, /oauth2/auth with code + PKCE, /oauth2/token. */
async function userJwt(ctx) {
  const redirectUri = 'http://127.0.0.1/callback';
  const { client_id } = insertClient(ctx, { clientId: 'bench-native-jwt', grantTypes: ['authorization_code'], tokenFormat: 'jwt', redirectUris: [redirectUri], scopes: ['openid', 'profile', 'email', 'app'] });
  const login = await fetch(`${ctx.baseUrl}/api/auth/login`, { method: 'POST', ...json({ email: USER.email, password: USER.password }) });
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('kendr_session='));
  if (!cookie) throw new Error(`browser login failed: ${login.status}`);
  const verifier = b64url(randomBytes(48));
  const auth = new URL(`${ctx.baseUrl}/oauth2/auth`);
  const params = { response_type: 'code', client_id, redirect_uri: redirectUri, scope: 'openid profile email app', state: 'bench', code_challenge: b64url(sha256(verifier)), code_challenge_method: 'S256' };
  for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
  const authorized = await fetch(auth, { headers: { cookie }, redirect: 'manual' });
  const code = new URL(authorized.headers.get('location') ?? 'x:/').searchParams.get('code');
  if (!code) throw new Error(`authorization gave no code: ${authorized.status} ${authorized.headers.get('location')}`);
  const res = await fetch(`${ctx.baseUrl}/oauth2/token`, { method: 'POST', ...form({ grant_type: 'authorization_code', client_id, code, redirect_uri: redirectUri, code_verifier: verifier }) });
  if (res.status !== 200) throw new Error(`code exchange failed: ${res.status} ${await res.text()}`);
  const token = (await res.json()).access_token;
  if (token.split('.').length !== 3) throw new Error('expected a JWT access token');
  return token;
}

/**
 * Tops the user table up to `total` users (each with an email identity), straight in the database in one
 * transaction, as registration stores them; the management list's cost should not grow with the table.
 */
function seedUsers(ctx, total) {
  const db = new Database(join(ctx.dataDir, 'keyhaven.db'));
  try {
    db.pragma('busy_timeout = 5000');
    const have = db.prepare('SELECT count(*) FROM users').pluck().get();
    const user = db.prepare('INSERT INTO users (public_id, email, email_verified, full_name, given_name, family_name, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?)');
    const identity = db.prepare("INSERT INTO identities (user_id, type, value, verified_at, created_at) VALUES (?, 'email', ?, ?, ?)");
    db.transaction(() => {
      for (let i = have; i < total; i++) {
        const email = `seed${i}@bench.keyhaven.test`;
        const now = Date.now();
        const { lastInsertRowid } = user.run(`kp_${randomBytes(16).toString('hex')}`, email, `Seed ${i}`, 'Seed', String(i), now, now);
        identity.run(lastInsertRowid, email, now, now);
      }
    })();
  } finally {
    db.close();
  }
}

/** GET /api/v1/users (first page, as the Kinde management client asks for it) over `total` users. */
const usersList = (total) => ({
  name: `mgmt-users-${total >= 1000 ? `${total / 1000}k` : total}`,
  method: 'GET',
  path: '/api/v1/users?page_size=10',
  expect: 200,
  setup: async (ctx) => {
    seedUsers(ctx, total);
    return { token: await m2mToken(ctx) };
  },
  request: (s) => ({ headers: { Authorization: `Bearer ${s.token}` } }),
});

export const SCENARIOS = [
  { name: 'healthz', method: 'GET', path: '/healthz', expect: 200 },
  {
    name: 'password-login',
    method: 'POST',
    path: '/api/auth/login',
    expect: 200,
    // The browser sign-in (sets kendr_session); argon2id verification dominates.
    request: () => json({ email: USER.email, password: USER.password }),
  },
  {
    name: 'app-login',
    method: 'POST',
    path: '/api/app/auth/login',
    expect: 200,
    // argon2id verification dominates; this is the cost of a sign-in.
    request: () => json({ email: USER.email, password: USER.password }),
  },
  {
    name: 'app-session',
    method: 'GET',
    path: '/api/app/auth/session',
    expect: 200,
    setup: async (ctx) => ({ token: await appLogin(ctx) }),
    request: (state) => ({ headers: { 'X-Kendr-Session': state.token } }),
  },
  // ctx.m2m holds { client_id, client_secret } from `keyhaven init --json`.
  {
    name: 'oauth-client-credentials-jwt',
    method: 'POST',
    path: '/oauth2/token',
    expect: 200,
    setup: (ctx) => ctx.m2m,
    request: (m2m) => form({ grant_type: 'client_credentials', client_id: m2m.client_id, client_secret: m2m.client_secret }),
  },
  {
    name: 'oauth-client-credentials-opaque',
    method: 'POST',
    path: '/oauth2/token',
    expect: 200,
    setup: opaqueM2M,
    request: (c) => form({ grant_type: 'client_credentials', client_id: c.client_id, client_secret: c.client_secret }),
  },
  {
    name: 'oauth-introspect-jwt',
    method: 'POST',
    path: '/oauth2/introspect',
    expect: 200,
    setup: async (ctx) => activeToken(ctx, ctx.m2m, await m2mToken(ctx)),
    request: (s) => form({ token: s.token, client_id: s.client_id, client_secret: s.client_secret }),
  },
  {
    name: 'oauth-introspect-opaque',
    method: 'POST',
    path: '/oauth2/introspect',
    expect: 200,
    setup: async (ctx) => {
      const token = await clientCredentials(ctx, opaqueM2M(ctx));
      if (!token.startsWith('kndr_oat_')) throw new Error('expected an opaque access token');
      return activeToken(ctx, opaqueM2M(ctx), token);
    },
    request: (s) => form({ token: s.token, client_id: s.client_id, client_secret: s.client_secret }),
  },
  {
    // A JWT-protected GET: RS256 verification against the JWKS key plus the token's record (revocation).
    name: 'jwt-user-profile',
    method: 'GET',
    path: '/oauth2/v2/user_profile',
    expect: 200,
    setup: async (ctx) => ({ token: await userJwt(ctx) }),
    request: (s) => ({ headers: { Authorization: `Bearer ${s.token}` } }),
  },
  {
    // A management list: GET /api/v1/api-keys as the tenant's admin (app session), five keys.
    name: 'api-keys-list',
    method: 'GET',
    path: '/api/v1/api-keys',
    expect: 200,
    setup: async (ctx) => {
      const token = await appLogin(ctx);
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${ctx.baseUrl}/api/v1/api-keys`, { method: 'POST', headers: { 'X-Kendr-Session': token, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: `bench ${i}` }) });
        if (res.status !== 201) throw new Error(`api key creation failed: ${res.status} ${await res.text()}`);
      }
      return { token };
    },
    request: (s) => ({ headers: { 'X-Kendr-Session': s.token } }),
  },
  // Seed 002's user list at two table sizes, in this order (the second tops the table up): keyset
  // pagination keeps the page's cost independent of the table's size.
  usersList(1000),
  usersList(100000),
];

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startServer() {
  const data = mkdtempSync(join(tmpdir(), 'keyhaven-bench-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    KEYHAVEN_LOG_LEVEL: 'warn',
    // Measure the handlers, not the limiter.
    KEYHAVEN_LOGIN_ATTEMPTS_IP: '100000000',
    KEYHAVEN_LOGIN_ATTEMPTS_ACCOUNT: '100000000',
    KEYHAVEN_REGISTER_ATTEMPTS_IP: '100000000',
  };
  const child = spawn(process.execPath, [join(ROOT, 'bin/keyhaven.mjs'), 'serve', '--port', String(port), '--data', data], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {}
    if (child.exitCode !== null) throw new Error('server exited during start-up');
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    rmSync(data, { recursive: true, force: true });
  };
  const init = spawn(process.execPath, [join(ROOT, 'bin/keyhaven.mjs'), 'init', '--data', data, '--issuer', baseUrl, '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  init.stdout.on('data', (d) => (out += d));
  await new Promise((r) => init.on('exit', r));
  let m2m;
  try {
    m2m = JSON.parse(out);
  } catch {
    m2m = undefined;
  }
  return { baseUrl, dataDir: data, m2m, stop };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Closed loop: `concurrency` workers send requests back to back until the time is up. */
async function measure(ctx, scenario, { durationMs, concurrency }) {
  const state = scenario.setup ? await scenario.setup(ctx) : undefined;
  const url = `${ctx.baseUrl}${scenario.path}`;
  const latencies = [];
  let errors = 0;
  const until = Date.now() + durationMs;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (Date.now() < until) {
      const { headers, body } = scenario.request ? scenario.request(state) : {};
      const t0 = process.hrtime.bigint();
      try {
        const res = await fetch(url, { method: scenario.method, headers, body });
        await res.arrayBuffer();
        if (res.status !== (scenario.expect ?? 200)) errors++;
      } catch {
        errors++;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = latencies.sort((a, b) => a - b);
  const round = (n) => Math.round(n * 100) / 100;
  return {
    name: scenario.name,
    requests: sorted.length,
    errors,
    rps: round(sorted.length / seconds),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1] ?? 0),
  };
}

async function main() {
  const { values } = parseArgs({
    options: { duration: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '16' }, only: { type: 'string' } },
  });
  const opts = { durationMs: Number(values.duration) * 1000, concurrency: Number(values.concurrency) };
  const only = values.only?.split(',');
  const server = await startServer();
  const ctx = { baseUrl: server.baseUrl, dataDir: server.dataDir, m2m: server.m2m, user: USER };
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, os: `${platform()} ${release()}`, memoryGiB: Math.round(totalmem() / 2 ** 30) };
  console.log(`concurrency ${opts.concurrency}, ${opts.durationMs / 1000} s per scenario, closed loop over loopback HTTP/1.1 (keep-alive), node ${process.version}, ${machine.cpus} × ${machine.cpu}, ${machine.os}`);
  const results = [];
  try {
    const reg = await fetch(`${ctx.baseUrl}/api/app/auth/register`, { method: 'POST', ...json(USER) });
    if (reg.status >= 300) throw new Error(`register failed: ${reg.status} ${await reg.text()}`);
    for (const scenario of SCENARIOS) {
      if (only && !only.includes(scenario.name)) continue;
      results.push(await measure(ctx, scenario, opts));
    }
  } finally {
    await server.stop();
  }
  console.table(results);
  const out = { date: new Date().toISOString(), node: process.version, machine, durationSeconds: opts.durationMs / 1000, concurrency: opts.concurrency, results };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(out, null, 2) + '\n');
  if (results.some((r) => r.errors > 0)) {
    console.error('some requests failed (see errors column)');
    process.exitCode = 1;
  }
}

await main();
