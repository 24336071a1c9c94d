import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw RFC 5322 message as received. */
  raw: string;
  /** The raw message with quoted-printable soft breaks and escapes decoded (good enough to find links). */
  text: string;
}

export interface SmtpServer {
  port: number;
  /** smtp://127.0.0.1:<port> — for KEYHAVEN_SMTP_URL. */
  url: string;
  messages: ReceivedMail[];
  /** Resolves with the first mail to `to` (received now or later), or rejects after `timeoutMs`. */
  waitFor(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

// The server runs in its own process, as a real mail server would, and reports each message as a JSON line.
const CHILD = `
import { SMTPServer } from 'smtp-server';
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const msg = { from: session.envelope.mailFrom && session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') };
      process.stdout.write(JSON.stringify({ mail: msg }) + '\\n');
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.server.address().port }) + '\\n'));
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
`;

export function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export async function startSmtpServer(): Promise<SmtpServer> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const messages: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`smtp server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { port?: number; mail?: Omit<ReceivedMail, 'text'> };
      if (msg.port) resolve(msg.port);
      if (msg.mail) {
        messages.push({ ...msg.mail, text: decodeQuotedPrintable(msg.mail.raw) });
        waiters.splice(0).forEach((w) => w());
      }
    });
  });
  const find = (to: string) => messages.find((m) => m.to.some((r) => r.toLowerCase() === to.toLowerCase()));
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(to, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          const m = find(to);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill(), 3000).unref();
      }),
  };
}
