import express from 'express';
import type { Logger } from 'pino';
import { createLogger } from './log';
import type { Config } from './config';
import { openStore, type Store } from './store/db';
import { createDeps, type Deps } from './deps';
import { createBackend } from './http/backend';
import { bodyParsers, csrfGuard, requestLog, securityHeaders, urlLimit } from './http/middleware';
import { handlers } from './handlers';
import { securityHandlers } from './http/security';
import { onStart } from './startup';
import { startMaintenance } from './services/maintenance';

export interface App {
  app: express.Express;
  deps: Deps;
  close(): Promise<void>;
}

export async function createApp(config: Config, opts: { log?: Logger; store?: Store; clock?: () => number } = {}): Promise<App> {
  const log = opts.log ?? createLogger(config.logLevel);
  const store = opts.store ?? openStore(config.dataDir);
  const deps = createDeps(config, store, log, opts.clock);
  await onStart(deps);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLog(deps), securityHeaders, urlLimit(deps), ...bodyParsers(deps), csrfGuard(deps));
  const handle = await createBackend(deps, handlers, securityHandlers(deps));
  app.use((req, res) => void handle(req, res));
  const maintenance = startMaintenance(deps);

  return {
    app,
    deps,
    close: async () => {
      await maintenance.stop();
      await store.close();
    },
  };
}
