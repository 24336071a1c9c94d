import { createApp } from '../app';
import { loadConfig } from '../config';
import { createHttpServer } from '../http/listen';
import { createLogger } from '../log';
import { ADDRESS_OPTIONS, addressInput, str, type Command } from './args';

/** Listen errors in the words of the command line. */
function listenError(err: NodeJS.ErrnoException, where: string): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the address is already in use (another server running? choose another --port)`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: no such address on this machine (check --host)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: host name not found (check --host)`;
    default:
      return `cannot listen on ${where}: ${err.message}`;
  }
}

export const serveCommand: Command = {
  help: `usage: keyhaven serve [--port PORT] [--host HOST] [--data DIR] [--issuer URL]

Starts the server. The data directory and its database are created and migrated on the first start;
several servers may start together on one data directory.
${ADDRESS_OPTIONS}
--data DIR       data directory (default: KEYHAVEN_DATA, else ./data)
Other settings are KEYHAVEN_* environment variables (README.md, "Settings and limits").
`,
  options: { port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' }, issuer: { type: 'string' } },
  async run({ values }) {
    const config = loadConfig({ ...addressInput(values), dataDir: str(values.data) });
    const log = createLogger(config.logLevel);
    const { app, close } = await createApp(config, { log });
    const where = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
    const server = createHttpServer(config, log, app);
    let listening = false;
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (listening) return void log.error({ err }, 'server error');
      console.error(`keyhaven: ${listenError(err, where)}`);
      void close().finally(() => process.exit(1));
    });
    server.listen(config.port, config.host, () => {
      listening = true;
      console.log(`Keyhaven listening on http://${where} (issuer ${config.issuer}, data ${config.dataDir})`);
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
