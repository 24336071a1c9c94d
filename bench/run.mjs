#!/usr/bin/env node
// Measures the hot paths of the built server: req/s and latency percentiles per scenario.
// `make bench` (builds first). Options: --duration SECONDS (default 5), --concurrency N (default 16),
// --only name1,name2. Writes bench/results/latest.json.
//
// A scenario is { name, method, path, setup?(ctx) → per-scenario state, request?(state) → { headers, body } }.
// setup runs once before the measurement (register a user, obtain a token, …); add scenarios to SCENARIOS.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

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

export const SCENARIOS = [
  { name: 'healthz', method: 'GET', path: '/healthz', expect: 200 },
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
    name: 'oauth-introspect',
    method: 'POST',
    path: '/oauth2/introspect',
    expect: 200,
    setup: async (ctx) => ({ ...ctx.m2m, token: await m2mToken(ctx) }),
    request: (s) => form({ token: s.token, client_id: s.client_id, client_secret: s.client_secret }),
  },
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
  const ctx = { baseUrl: server.baseUrl, m2m: server.m2m, user: USER };
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
  const out = { date: new Date().toISOString(), node: process.version, durationSeconds: opts.durationMs / 1000, concurrency: opts.concurrency, results };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(out, null, 2) + '\n');
  if (results.some((r) => r.errors > 0)) {
    console.error('some requests failed (see errors column)');
    process.exitCode = 1;
  }
}

await main();
