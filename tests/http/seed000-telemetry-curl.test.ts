import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';

const run = promisify(execFile);

// Seed 000, "App telemetry endpoints": the feedback example verbatim, only https://kendr.org replaced.
const SEED_FEEDBACK_CURL = `curl https://kendr.org/api/app/feedback \\
  -X POST \\
  -H "Content-Type: application/json" \\
  -d '{
    "installation_id": "desktop-prod-001",
    "platform": "windows",
    "app_version": "0.4.0",
    "category": "feature_request",
    "rating": 5,
    "message": "Please add saved query presets."
  }'`;

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe('seed 000 telemetry curl example', () => {
  it('POST /api/app/feedback works verbatim', async () => {
    const script = SEED_FEEDBACK_CURL.replace('https://kendr.org', s.baseUrl);
    const { stdout } = await run('bash', ['-c', script]);
    // curl exits 0 on any HTTP status; the body tells success from an error body.
    const body = JSON.parse(stdout);
    expect(body).toEqual({ status: 'recorded', feedback_id: expect.any(Number), created_at: expect.any(String) });
    expect(Number.isNaN(Date.parse(body.created_at))).toBe(false);
    const stored = s.deps.store.sqlite.prepare('SELECT * FROM app_feedback WHERE id = ?').get(body.feedback_id);
    expect(stored).toMatchObject({
      installation_id: 'desktop-prod-001',
      platform: 'windows',
      app_version: '0.4.0',
      category: 'feature_request',
      rating: 5,
      message: 'Please add saved query presets.',
      user_id: null,
      metadata: '{}',
    });
  });
});
