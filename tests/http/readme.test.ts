import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freePort } from '../helpers/processes';

/**
 * The README's commands, run as a new user pastes them into a fresh clone after `make run`.
 *
 * - Every fenced `sh` block of README.md is split into commands (a line ending in `\` continues on the
 *   next; blank and comment-only lines are dropped) and all of them run in README order in one bash
 *   (`set -o pipefail`), so that variables set in one command (H=…, KENDR_SESSION=…) reach the next.
 * - The working directory is a fresh temporary directory that looks like the clone's root: `bin/` is
 *   a symlink to the clone's `bin/`, and the server under test keeps its data in `./data` there, as
 *   `make run` does.
 * - The server is the built `keyhaven serve` on a free port instead of 3000. 3000 is substituted:
 *   `127.0.0.1:3000` and `--port 3000` in the commands, and KEYHAVEN_PORT in the environment of the
 *   server and of every command (which is what "3000 by default" means there).
 * - curl reads a curlrc (CURL_HOME) with `--fail-with-body`: an HTTP error answer fails the command.
 *
 * Skipped, and only these (SKIP below): a command that starts a long-running process, i.e. any
 * `make …` (`make run` is the server under test here; `make test` and `make bench` run this suite
 * and a benchmark for minutes) and `keyhaven serve`; and a command the README marks as a placeholder
 * with a trailing `# placeholder` comment (it needs a value a person supplies, like an approved device code).
 */
const SKIP: { rule: string; test: (cmd: string) => boolean }[] = [
  { rule: 'make target (long-running or this suite itself)', test: (c) => /^make(\s|$)/.test(c) },
  { rule: 'keyhaven serve (long-running server)', test: (c) => /^(\S*\/)?keyhaven(\.mjs)?\s+serve(\s|$)/.test(c) },
  { rule: 'marked "# placeholder"', test: (c) => /\s#\s*placeholder\b/.test(c) },
];

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  line: number;
  commands: string[];
}

/** The fenced ```sh blocks of a Markdown text, as commands. */
function shBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```sh\s*$/.test(lines[i])) continue;
    const block: Block = { line: i + 1, commands: [] };
    let current = '';
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) {
      const text = lines[i];
      if (!current && (/^\s*$/.test(text) || /^\s*#/.test(text))) continue;
      if (/\\$/.test(text)) {
        current += `${text}\n`;
        continue;
      }
      block.commands.push(current + text);
      current = '';
    }
    blocks.push(block);
  }
  return blocks;
}

let work: string;
let port: number;
let server: ChildProcess;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
  work = mkdtempSync(join(tmpdir(), 'keyhaven-readme-'));
  symlinkSync(join(ROOT, 'bin'), join(work, 'bin'));
  writeFileSync(join(work, '.curlrc'), '--fail-with-body\n--silent\n--show-error\n');
  port = await freePort();
  // What `make run` starts: serve with data in ./data, on the substituted port.
  server = spawn(process.execPath, [join(ROOT, 'bin/keyhaven.mjs'), 'serve', '--port', String(port)], {
    cwd: work,
    env: { ...process.env, KEYHAVEN_PORT: String(port), KEYHAVEN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stdout!.on('data', (d) => (out += d));
  server.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 50_000;
  while (!/listening on http/.test(out)) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 90_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('README.md', () => {
  const blocks = shBlocks(README);

  it('has the blocks this test is about: two commands, first calls, OAuth, CLI', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const all = blocks.flatMap((b) => b.commands).join('\n');
    expect(all).toContain('make run');
    expect(all).toContain('curl $H/api/auth/register');
    expect(all).toContain('./bin/keyhaven init --data ./data --json');
    expect(all).toContain('./bin/keyhaven admin grant');
    // The README's commands use the CLI as the clone has it; a bare `keyhaven` is not on PATH.
    expect(all).not.toMatch(/(^|[\s$(])keyhaven\s/m);
  });

  it('every command of its sh blocks works against a live server (skips: make, serve, "# placeholder")', () => {
    const skipped: string[] = [];
    const script = ['set -o pipefail', `cd ${JSON.stringify(work)}`];
    const ran: string[] = [];
    for (const block of blocks) {
      for (const command of block.commands) {
        const rule = SKIP.find((s) => s.test(command.trim()));
        if (rule) {
          skipped.push(`${command.split('\n')[0]}   [${rule.rule}]`);
          continue;
        }
        const local = command.replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`).replace(/--port 3000\b/g, `--port ${port}`);
        const n = ran.push(command);
        script.push(
          `printf '\\n@@@ ${n}\\n'`,
          local,
          `rc=$?; if [ $rc -ne 0 ]; then printf 'README command %d (README.md block at line ${block.line}) exited %d\\n' ${n} $rc >&2; exit 1; fi`,
        );
      }
    }
    let stdout = '';
    let stderr = '';
    let status = 0;
    try {
      stdout = execFileSync('bash', ['-c', script.join('\n')], {
        encoding: 'utf8',
        env: { ...process.env, KEYHAVEN_PORT: String(port), CURL_HOME: work },
        timeout: 240_000,
      });
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      ({ status, stdout, stderr } = err);
    }
    const outputs = new Map<string, string>();
    for (const part of stdout.split('\n@@@ ').slice(1)) {
      const nl = part.indexOf('\n');
      outputs.set(ran[Number(part.slice(0, nl)) - 1], part.slice(nl + 1));
    }
    const failed = /README command (\d+)/.exec(stderr);
    expect(status, failed ? `${ran[Number(failed[1]) - 1]}\n${stderr}\n${outputs.get(ran[Number(failed[1]) - 1]) ?? ''}` : stderr).toBe(0);

    // Only the three kinds of skips happened: make lines, serve, and the marked placeholders.
    expect(skipped.length, skipped.join('\n')).toBeLessThanOrEqual(6);
    expect(skipped.filter((s) => s.includes('placeholder')).length).toBeLessThanOrEqual(1);

    const output = (fragment: string) => [...outputs].find(([cmd]) => cmd.includes(fragment))?.[1] ?? '';
    expect(output('/api/auth/session -b')).toContain('user@example.com');
    expect(output('/api/app/auth/session')).toContain('user@example.com');
    expect(output('/oauth/device/code')).toContain('verification_uri_complete');
    expect(output('grant_type=client_credentials')).toContain('access_token');
    expect(output('./bin/keyhaven --help')).toContain('usage: keyhaven');
    expect(output('admin grant')).toContain('user@example.com');
    expect(JSON.parse([...outputs].find(([cmd]) => cmd.startsWith('./bin/keyhaven init'))?.[1] ?? '')).toMatchObject({ existing: true, audience: `http://127.0.0.1:${port}/api` });
    expect(output('keys rotate')).toContain('new signing key');
    expect(JSON.parse(output('clients create'))).toMatchObject({ name: 'Other app', type: 'confidential' });
  }, 300_000);
});
