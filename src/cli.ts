import { parseArgs } from 'node:util';
import { loadConfig } from './config';
import { createApp } from './app';
import { createLogger } from './log';

const USAGE = `usage: keyhaven <command> [options]

commands:
  serve   --port PORT --host HOST --data DIR   start the server (defaults 3000, 127.0.0.1, ./data)
`;

type Command = (args: string[]) => Promise<void>;

const commands: Record<string, Command> = {
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
    const log = createLogger();
    const { app, close } = await createApp(config, { log });
    const server = app.listen(config.port, config.host, () => {
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
