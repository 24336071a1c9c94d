import { parseArgs } from 'node:util';
import { loadConfig } from './config';
import { createApp } from './app';
import { createLogger } from './log';
import { createHttpServer } from './http/listen';
import { setServerAdminInDataDir } from './services/admin';
import type { Deps } from './deps';
import { createDeps } from './deps';
import { openStore } from './store/db';
import { initManagementClient } from './services/oauth/clients';
import { ensureSigningKey, rotateSigningKey } from './services/oauth/keys';
import { clientsCommand } from './cliClients';

const USAGE = `usage: keyhaven <command> [options]

commands:
  serve   --port PORT --host HOST --data DIR   start the server (defaults 3000, 127.0.0.1, ./data)
  admin grant|revoke --data DIR --email EMAIL  make a user a server administrator (or stop)
  init --data DIR [--issuer URL] [--json]      create the management API's M2M application (once)
  keys rotate --data DIR                       add a new active signing key
  clients create --data DIR --name NAME ...   register an OAuth application (see 'keyhaven clients')
`;

type Command = (args: string[]) => Promise<void>;

/** Runs fn with full deps over the data directory's database (migrated on open), then closes it. */
async function withDataDir<T>(values: { data?: string; issuer?: string }, fn: (deps: Deps) => Promise<T>): Promise<T> {
  const config = loadConfig({ dataDir: values.data, issuer: values.issuer });
  const store = openStore(config.dataDir);
  try {
    return await fn(createDeps(config, store, createLogger('warn')));
  } finally {
    await store.close();
  }
}

const commands: Record<string, Command> = {
  async init(args) {
    const { values } = parseArgs({ args, options: { data: { type: 'string' }, issuer: { type: 'string' }, json: { type: 'boolean' } } });
    const r = await withDataDir(values, initManagementClient);
    if (values.json) console.log(JSON.stringify(r.created ? { client_id: r.client_id, client_secret: r.client_secret, issuer: r.issuer, audience: r.audience } : { client_id: r.client_id, issuer: r.issuer, audience: r.audience, existing: true }));
    else if (r.created) console.log(`created M2M application\nclient_id:     ${r.client_id}\nclient_secret: ${r.client_secret}  (shown once; stored hashed)\nissuer:        ${r.issuer}\naudience:      ${r.audience}`);
    else console.log(`already initialised: M2M application ${r.client_id} for ${r.audience} exists; its secret is not shown again`);
  },
  clients: (args) => clientsCommand(args, withDataDir),
  async keys(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { data: { type: 'string' } } });
    if (positionals[0] !== 'rotate') throw new Error('usage: keyhaven keys rotate --data DIR');
    const kid = await withDataDir(values, async (deps) => {
      await ensureSigningKey(deps);
      return rotateSigningKey(deps);
    });
    console.log(`new signing key ${kid} is active; previous keys stay in the JWKS until their tokens expire`);
  },
  async admin(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { data: { type: 'string' }, email: { type: 'string' } } });
    const action = positionals[0];
    if ((action !== 'grant' && action !== 'revoke') || !values.email) throw new Error('usage: keyhaven admin grant|revoke --data DIR --email EMAIL');
    const user = await setServerAdminInDataDir(loadConfig({ dataDir: values.data }).dataDir, values.email, action === 'grant');
    console.log(`${user.email} (user ${user.id}) is ${action === 'grant' ? 'now' : 'no longer'} a server administrator`);
  },
  async serve(args) {
    const { values } = parseArgs({
      args,
      options: { port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, issuer: { type: 'string' } },
    });
    const config = loadConfig({
      port: values.port ? Number(values.port) : undefined,
      host: values.host,
      dataDir: values.data,
      issuer: values.issuer,
    });
    const log = createLogger(config.logLevel);
    const { app, close } = await createApp(config, { log });
    const server = createHttpServer(app).listen(config.port, config.host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      console.log(`Keyhaven listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port} (issuer ${config.issuer}, data ${config.dataDir})`);
    });
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      server.close(() => void close().then(() => process.exit(0)));
      server.closeIdleConnections();
      setTimeout(() => process.exit(1), 10_000).unref();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  },
};

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stdout.write(USAGE);
    process.exitCode = name && name !== 'help' && name !== '--help' ? 2 : 0;
    return;
  }
  await command(rest);
}

await main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
