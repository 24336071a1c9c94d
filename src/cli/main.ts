import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, optionArgs, parse, type Command } from './args';
import { serveCommand } from './serve';
import { initCommand } from './init';
import { adminCommand } from './admin';
import { keysCommand } from './keys';
import { clientsCommand } from './clients';

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

const commands: Record<string, Command> = {
  serve: serveCommand,
  init: initCommand,
  admin: adminCommand,
  keys: keysCommand,
  clients: clientsCommand,
};

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
