import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { launchBrowser, type TestBrowser } from '../helpers/browser';

let s: TestServer;
let browser: TestBrowser;
beforeAll(async () => {
  s = await startServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('GET /docs in headless Chromium', () => {
  it('renders the reference from the server’s own assets and finds an operation by name', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(`${s.baseUrl}/docs`);
    expect(res?.status()).toBe(200);

    // Swagger UI renders one block per operation, with its summary and path.
    const op = page.locator('.opblock', { hasText: 'Liveness and database check' });
    await op.first().waitFor({ timeout: 20_000 });
    await expect(op.first().locator('.opblock-summary-path').textContent()).resolves.toContain('/healthz');
    await expect(page.locator('.info .title').first().textContent()).resolves.toContain('Keyhaven');

    // Expanding it shows the documented response.
    await op.first().locator('.opblock-summary').first().click();
    await page.locator('.opblock.is-open .responses-table').first().waitFor({ timeout: 10_000 });

    expect(errors).toEqual([]);
    // No CDN, no telemetry: every request stayed on the test server.
    expect([...browser.requestedOrigins]).toEqual([s.baseUrl]);
  });
});
