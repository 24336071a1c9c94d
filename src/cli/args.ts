import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type ConfigInput } from '../config';
import { createLogger } from '../log';
import type { Deps } from '../deps';
import { createDeps } from '../deps';
import { openStore } from '../store/db';

export const DATA_OPTION = `  --data DIR       data directory (default: KEYHAVEN_DATA, else ./data); it must exist and hold a
                   database (keyhaven.db), which 'keyhaven serve' creates on its first start`;

export const ADDRESS_OPTIONS = `  --port PORT      TCP port, 1-65535 (default: KEYHAVEN_PORT, else 3000)
  --host HOST      IP address or host name (default: KEYHAVEN_HOST, else 127.0.0.1)
  --issuer URL     public URL of the server (default: KEYHAVEN_ISSUER, else http://HOST:PORT)`;

/** A mistake in the command line: one line on stderr, exit 2. Other errors exit 1. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;
export interface Parsed {
  values: Values;
  positionals: string[];
}
export interface Command {
  help: string;
  options: Options;
  positionals?: boolean;
  run(parsed: Parsed): Promise<void>;
}

export const str = (v: Values[string]) => (typeof v === 'string' ? v : undefined);

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
export function addressInput(values: Values, env: NodeJS.ProcessEnv = process.env): ConfigInput {
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
export function existingDataDir(data: string | undefined): string {
  const dir = loadConfig({ ...addressInput({}), dataDir: data }).dataDir;
  const hint = `check --data (or KEYHAVEN_DATA); 'keyhaven serve --data ${dir}' creates it`;
  if (!existsSync(dir)) throw new Error(`data directory ${dir} does not exist: ${hint}`);
  if (!statSync(dir).isDirectory()) throw new Error(`data directory ${dir} is not a directory`);
  if (!existsSync(join(dir, 'keyhaven.db'))) throw new Error(`data directory ${dir} holds no Keyhaven database (keyhaven.db): ${hint}`);
  return dir;
}

/** Runs fn with full deps over an existing data directory's database (migrated on open), then closes it. */
export async function withDataDir<T>(values: Values, fn: (deps: Deps) => Promise<T>, input: ConfigInput = addressInput({})): Promise<T> {
  const config = loadConfig({ ...input, dataDir: existingDataDir(str(values.data)) });
  const store = openStore(config.dataDir);
  try {
    return await fn(createDeps(config, store, createLogger('warn')));
  } finally {
    await store.close();
  }
}

/** Options before a `--` terminator. */
export const optionArgs = (args: string[]) => (args.includes('--') ? args.slice(0, args.indexOf('--')) : args);

/** node:util parseArgs, with its errors turned into one-line usage errors. */
export function parse(name: string, command: Command, args: string[]): Parsed {
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
