import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { createClient, type Client } from '../../generated/client/client';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createHttpServer } from '../../src/http/listen';
import type { Deps } from '../../src/deps';

export interface TestServer {
  baseUrl: string;
  client: Client;
  deps: Deps;
  config: Config;
  close(): Promise<void>;
}

/**
 * Starts a real server on a free loopback port over a fresh SQLite file.
 * `env` overrides configuration the same way the CLI's environment does.
 */
export async function startServer(env: Record<string, string> = {}, opts: { clock?: () => number; log?: Logger } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyhaven-test-'));
  const fullEnv = { ...process.env, KEYHAVEN_VALIDATE_RESPONSES: '1', ...env };
  const log = opts.log ?? pino({ level: 'silent' });
  // The issuer must carry the real port, so listen first on port 0 and then build the app. The server
  // is the one `keyhaven serve` runs (limits, timeouts, answers to refused requests), from the same env.
  const server = createHttpServer(loadConfig({ host: '127.0.0.1', dataDir }, fullEnv), log);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({ port, host: '127.0.0.1', dataDir }, fullEnv);
  const { app, deps, close } = await createApp(config, { log, clock: opts.clock });
  server.on('request', app);
  const baseUrl = `${config.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    baseUrl,
    client: createClient({ baseUrl }),
    deps,
    config,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
