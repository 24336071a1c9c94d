import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (installed by `make deps`); no downloads, no background traffic. */
export const CHROMIUM_PATH = process.env.KEYHAVEN_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab in the shared context. */
  newPage(): Promise<Page>;
  /** Origins (scheme://host:port) of every request any page of this browser made. */
  requestedOrigins: Set<string>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh, throw-away profile. Close it in afterAll (or use withBrowser). */
export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'keyhaven-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const requestedOrigins = new Set<string>();
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (url.protocol === 'http:' || url.protocol === 'https:') requestedOrigins.add(url.origin);
  });
  return {
    context,
    requestedOrigins,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Runs fn with a fresh browser and always closes it. */
export async function withBrowser<T>(fn: (b: TestBrowser) => Promise<T>): Promise<T> {
  const b = await launchBrowser();
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}
