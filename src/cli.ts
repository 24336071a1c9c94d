import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type ConfigInput } from './config';
import { createApp } from './app';
import { createLogger } from './log';
import { createHttpServer } from './http/listen';
import { setServerAdminInDataDir } from './services/admin';
import type { Deps } from './deps';
import { createDeps } from './deps';
import { openStore } from './store/db';
import { initManagementClient } from './services/oauth/clients';
import { ensureSigningKey, rotateSigningKey } from './services/oauth/keys';
import { CLIENTS_HELP, CLIENTS_OPTIONS, clientsCommand } from './cliClients';

const USAGE = `usage: keyhaven <command> [options]

commands:
  serve                start the server (creates the data directory on first start)
  init                 create the management API's M2M application (once per issuer)
  admin grant|revoke   make a user a server administrator (or stop)
  keys rotate          add a new active signing key
  clients create       register an OAuth application

'keyhaven <command> --help' describes a command and its options; 'keyhaven --version' prints the version.
Every command but serve works on an existing data directory: --data DIR, else KEYHAVEN_DATA, else ./data.
`;

const DATA_OPTION = `  --data DIR       data directory (default: KEYHAVEN_DATA, else ./data); it must exist and hold a
                   database (keyhaven.db), which 'keyhaven serve' creates on its first start`;

const ADDRESS_OPTIONS = `  --port PORT      TCP port, 1-65535 (default: KEYHAVEN_PORT, else 3000)
  --host HOST      IP address or host name (default: KEYHAVEN_HOST, else 127.0.0.1)
  --issuer URL     public URL of the server (default: KEYHAVEN_ISSUER, else http://HOST:PORT)`;

/** A mistake in the command line: one line on stderr, exit 2. Other errors exit 1. */
class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;
interface Parsed {
  values: Values;
  positionals: string[];
}
interface Command {
  help: string;
  options: Options;
  positionals?: boolean;
  run(parsed: Parsed): Promise<void>;
}

const str = (v: Values[string]) => (typeof v === 'string' ? v : undefined);

// ---- option values ----

function parsePort(value: string, source: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new UsageError(`invalid ${source} "${value}": expected an integer 1-65535`);
  return port;
}

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** An IPv4/IPv6 address (IPv6 optionally in brackets) or a DNS host name whose last label is not numeric. */
function parseHost(value: string, source: string): string {
  const bare = /^\[.*\]$/.test(value) ? value.slice(1, -1) : value;
  if (isIP(bare) === 6 || isIP(bare) === 4) return bare;
  const labels = bare.replace(/\.$/, '').split('.');
  const hostname = bare.length <= 253 && labels.every((l) => HOST_LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
  if (!hostname) throw new UsageError(`invalid ${source} "${value}": expected an IP address or a host name`);
  return bare;
}

function parseIssuer(value: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password || value.includes('?') || value.includes('#')) {
    throw new UsageError(`invalid ${source} "${value}": expected an absolute http:// or https:// URL without query or fragment`);
  }
  return value;
}

/**
 * Port, host and issuer as `keyhaven serve` resolves them: flags first, then KEYHAVEN_PORT,
 * KEYHAVEN_HOST and KEYHAVEN_ISSUER; the issuer defaults to http://HOST:PORT (src/config.ts).
 */
function addressInput(values: Values, env: NodeJS.ProcessEnv = process.env): ConfigInput {
  const pick = (flag: string, variable: string, parse: (v: string, source: string) => string | number) => {
    const v = str(values[flag]);
    if (v !== undefined) return parse(v, `--${flag}`);
    return env[variable] ? parse(env[variable]!, variable) : undefined;
  };
  return {
    port: pick('port', 'KEYHAVEN_PORT', parsePort) as number | undefined,
    host: pick('host', 'KEYHAVEN_HOST', parseHost) as string | undefined,
    issuer: pick('issuer', 'KEYHAVEN_ISSUER', parseIssuer) as string | undefined,
  };
}

/** The data directory of a command other than serve: it must exist and hold a database (a mistyped --data creates nothing). */
function existingDataDir(data: string | undefined): string {
  const dir = loadConfig({ ...addressInput({}), dataDir: data }).dataDir;
  const hint = `check --data (or KEYHAVEN_DATA); 'keyhaven serve --data ${dir}' creates it`;
  if (!existsSync(dir)) throw new Error(`data directory ${dir} does not exist: ${hint}`);
  if (!statSync(dir).isDirectory()) throw new Error(`data directory ${dir} is not a directory`);
  if (!existsSync(join(dir, 'keyhaven.db'))) throw new Error(`data directory ${dir} holds no Keyhaven database (keyhaven.db): ${hint}`);
  return dir;
}

/** Runs fn with full deps over an existing data directory's database (migrated on open), then closes it. */
async function withDataDir<T>(values: Values, fn: (deps: Deps) => Promise<T>, input: ConfigInput = addressInput({})): Promise<T> {
  const config = loadConfig({ ...input, dataDir: existingDataDir(str(values.data)) });
  const store = openStore(config.dataDir);
  try {
    return await fn(createDeps(config, store, createLogger('warn')));
  } finally {
    await store.close();
  }
}

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

// ---- commands ----

const commands: Record<string, Command> = {
  serve: {
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
  },

  init: {
    help: `usage: keyhaven init [--data DIR] [--issuer URL | --host HOST --port PORT] [--json]

Creates the management API's machine-to-machine application: a confidential client allowed the
client_credentials grant for the audience {issuer}/api. Prints its client_id and client_secret; the
secret is shown only this once and stored hashed. The issuer is resolved as 'keyhaven serve' resolves
it, so give init the same --issuer (or --host/--port, or KEYHAVEN_* variables) as the server.
Run again for the same issuer, it creates nothing. Run again for another issuer, it allows the
existing application that issuer's audience too (same client_id and secret).
${DATA_OPTION}
${ADDRESS_OPTIONS}
  --json           print JSON: {client_id, client_secret, issuer, audience} when created,
                   {client_id, issuer, audience, existing: true[, audience_added: true]} afterwards
`,
    options: { data: { type: 'string' }, issuer: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, json: { type: 'boolean' } },
    async run({ values }) {
      const input = addressInput(values);
      const r = await withDataDir(values, initManagementClient, input);
      if (values.json) {
        const out = r.created
          ? { client_id: r.client_id, client_secret: r.client_secret, issuer: r.issuer, audience: r.audience }
          : { client_id: r.client_id, issuer: r.issuer, audience: r.audience, existing: true, ...(r.audienceAdded ? { audience_added: true } : {}) };
        return console.log(JSON.stringify(out));
      }
      if (r.created) {
        console.log(`created M2M application\nclient_id:     ${r.client_id}\nclient_secret: ${r.client_secret}  (shown once; stored hashed)\nissuer:        ${r.issuer}\naudience:      ${r.audience}`);
      } else if (r.audienceAdded) {
        console.log(`added audience ${r.audience} to the existing M2M application ${r.client_id} (same secret, not shown again); its audiences: ${r.audiences.join(', ')}`);
      } else {
        console.log(`already initialised: M2M application ${r.client_id} for ${r.audience} exists; its secret is not shown again`);
      }
    },
  },

  admin: {
    help: `usage: keyhaven admin grant|revoke --email EMAIL [--data DIR]

grant makes the user with that email a server administrator (notification administration);
revoke takes that back. The user must have registered already.
  --email EMAIL    the user's email address
${DATA_OPTION}
`,
    options: { data: { type: 'string' }, email: { type: 'string' } },
    positionals: true,
    async run({ values, positionals }) {
      const [action, ...extra] = positionals;
      if (action !== 'grant' && action !== 'revoke') throw new UsageError(action ? `unknown subcommand admin ${action}: expected grant or revoke` : 'admin needs a subcommand: grant or revoke');
      if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
      const email = str(values.email);
      if (!email) throw new UsageError(`admin ${action} needs --email EMAIL`);
      const user = await setServerAdminInDataDir(existingDataDir(str(values.data)), email, action === 'grant');
      console.log(`${user.email} (user ${user.id}) is ${action === 'grant' ? 'now' : 'no longer'} a server administrator`);
    },
  },

  keys: {
    help: `usage: keyhaven keys rotate [--data DIR]

rotate adds a new active RS256 signing key. Older keys stay in the JWKS until the tokens they signed
have expired; a running server signs with the new key within 30 seconds.
${DATA_OPTION}
`,
    options: { data: { type: 'string' } },
    positionals: true,
    async run({ values, positionals }) {
      const [action, ...extra] = positionals;
      if (action !== 'rotate') throw new UsageError(action ? `unknown subcommand keys ${action}: expected rotate` : 'keys needs a subcommand: rotate');
      if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
      const kid = await withDataDir(values, async (deps) => {
        await ensureSigningKey(deps);
        return rotateSigningKey(deps);
      });
      console.log(`new signing key ${kid} is active; previous keys stay in the JWKS until their tokens expire`);
    },
  },

  clients: {
    help: `${CLIENTS_HELP}
${DATA_OPTION}
`,
    options: CLIENTS_OPTIONS,
    positionals: true,
    async run({ values, positionals }) {
      const [action, ...extra] = positionals;
      if (action !== 'create') throw new UsageError(action ? `unknown subcommand clients ${action}: expected create` : 'clients needs a subcommand: create');
      if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
      await clientsCommand(values, (fn) => withDataDir(values, fn));
    },
  },
};

// ---- entry point ----

/** package.json's version, found from src/ (tsx) or dist/ (the built CLI). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** Options before a `--` terminator. */
const optionArgs = (args: string[]) => (args.includes('--') ? args.slice(0, args.indexOf('--')) : args);

/** node:util parseArgs, with its errors turned into one-line usage errors. */
function parse(name: string, command: Command, args: string[]): Parsed {
  try {
    const { values, positionals } = parseArgs({ args, options: command.options, allowPositionals: command.positionals ?? false, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    const e = err as Error & { code?: string };
    const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
    const see = `(see 'keyhaven ${name} --help')`;
    switch (e.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown option ${quoted} for 'keyhaven ${name}' ${see}`);
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError(`unexpected argument ${quoted} ${see}`);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        throw new UsageError(`${e.message.split(/\.\s/)[0].replace(/\.$/, '')} ${see}`);
      default:
        throw err;
    }
  }
}

/** Runs the command line; resolves with the exit code (a server keeps running after resolving 0). */
export async function main(argv = process.argv.slice(2)): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(commands, topic)) throw new UsageError(`unknown command ${topic} (see 'keyhaven --help')`);
    process.stdout.write(topic ? commands[topic].help : USAGE);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(`keyhaven ${version()}`);
    return 0;
  }
  if (name.startsWith('-')) throw new UsageError(`unknown option ${name} (see 'keyhaven --help')`);
  if (!Object.hasOwn(commands, name)) throw new UsageError(`unknown command ${name} (see 'keyhaven --help')`);
  const command = commands[name];
  const opts = optionArgs(rest);
  if (opts.includes('--help') || opts.includes('-h')) {
    process.stdout.write(command.help);
    return 0;
  }
  await command.run(parse(name, command, rest));
  return 0;
}

await main().then(
  (code) => {
    if (code) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`keyhaven: ${message.replace(/\s*\n\s*/g, ' ')}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
