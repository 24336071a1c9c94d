import { ACCESS_TOKEN_TTL_SECONDS } from './services/oauth/lifetimes';
import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Public origin of this server, no trailing slash (e.g. http://127.0.0.1:3000). */
  issuer: string;
  bodyLimitBytes: number;
  cookieDomain?: string;
  /** Trust X-Forwarded-For for the client IP (only behind a known proxy). */
  trustProxy: boolean;
  browserSessionIdleSeconds: number;
  browserSessionAbsoluteSeconds: number;
  appSessionIdleSeconds: number;
  appSessionAbsoluteSeconds: number;
  /** Login attempts allowed per window, per account and per IP. */
  loginAttemptsPerAccount: number;
  loginAttemptsPerIp: number;
  loginWindowSeconds: number;
  /** Validate every response against the spec and answer 500 on a mismatch (tests). */
  validateResponses: boolean;
  /** argon2id cost; OWASP: m=19 MiB, t=2, p=1. */
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /** Master key material (KEYHAVEN_SECRET); when absent, a key file in dataDir is used. */
  secret?: string;
  smtpUrl?: string;
  mailFrom: string;
  mfaIssuer: string;
  /** Seed 000 registrations (/api/auth/register, /api/app/auth/register) allowed per IP and hour. */
  registerAttemptsPerIp: number;
  /**
   * SSO upstream issuers on loopback or private addresses (SSRF guard). Defaults to on only when this
   * server's own issuer is a loopback URL (development), off otherwise.
   */
  ssoAllowPrivateIssuers: boolean;
  /** Plain-http SSO upstreams on any host (development only). */
  ssoAllowInsecure: boolean;
  /** Origins besides the issuer's that may send cookie-authenticated writes (CSRF guard). */
  allowedOrigins: string[];
  /** Authorization-code lifetime: 10 minutes at most (RFC 6749 §4.1.2). */
  authCodeTtlSeconds: number;
  /** Access- and ID-token lifetime: 1 hour by default, between 1 minute and 1 day. */
  accessTokenTtlSeconds: number;
  /**
   * HTTP server timeouts (src/http/listen.ts): a whole request (line, headers and body) must arrive within
   * requestTimeoutMs and its headers within headersTimeoutMs (never more than the former), else 408; an idle
   * keep-alive connection is closed after keepAliveTimeoutMs.
   */
  http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number };
  /** Serve HTTPS with this certificate chain and key (PEM files); the default issuer is then https://. */
  tls?: { certFile: string; keyFile: string };
  /** Seconds between runs of the expired-row prune in each process (0: only at start-up); at most a day. */
  pruneIntervalSeconds: number;
  logLevel: string;
}

export interface ConfigInput {
  port?: number;
  host?: string;
  dataDir?: string;
  issuer?: string;
}

const int = (v: string | undefined, d: number) => (v && /^\d+$/.test(v) ? Number(v) : d);
/** A positive integer, else the default (0 would switch a limit off). */
const positive = (v: string | undefined, d: number) => int(v, d) || d;
const flag = (v: string | undefined) => (v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : undefined);
const MAX_AUTH_CODE_TTL_SECONDS = 600;
const isLoopbackUrl = (url: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

export function loadConfig(input: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const port = input.port ?? int(env.KEYHAVEN_PORT, 3000);
  const host = input.host ?? env.KEYHAVEN_HOST ?? '127.0.0.1';
  const dataDir = resolve(input.dataDir ?? env.KEYHAVEN_DATA ?? './data');
  const tls = env.KEYHAVEN_TLS_CERT && env.KEYHAVEN_TLS_KEY ? { certFile: resolve(env.KEYHAVEN_TLS_CERT), keyFile: resolve(env.KEYHAVEN_TLS_KEY) } : undefined;
  const scheme = tls ? 'https' : 'http';
  const issuer = (input.issuer ?? env.KEYHAVEN_ISSUER ?? `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  return {
    port,
    host,
    dataDir,
    issuer,
    bodyLimitBytes: int(env.KEYHAVEN_BODY_LIMIT, 1024 * 1024),
    cookieDomain: env.KEYHAVEN_COOKIE_DOMAIN || undefined,
    trustProxy: env.KEYHAVEN_TRUST_PROXY === 'true' || env.KEYHAVEN_TRUST_PROXY === '1',
    browserSessionIdleSeconds: int(env.KEYHAVEN_SESSION_IDLE, 7 * 24 * 3600),
    browserSessionAbsoluteSeconds: int(env.KEYHAVEN_SESSION_ABSOLUTE, 30 * 24 * 3600),
    appSessionIdleSeconds: int(env.KEYHAVEN_APP_SESSION_IDLE, 14 * 24 * 3600),
    appSessionAbsoluteSeconds: int(env.KEYHAVEN_APP_SESSION_ABSOLUTE, 30 * 24 * 3600),
    loginAttemptsPerAccount: int(env.KEYHAVEN_LOGIN_ATTEMPTS_ACCOUNT, 10),
    loginAttemptsPerIp: int(env.KEYHAVEN_LOGIN_ATTEMPTS_IP, 50),
    loginWindowSeconds: int(env.KEYHAVEN_LOGIN_WINDOW, 15 * 60),
    validateResponses: env.KEYHAVEN_VALIDATE_RESPONSES === '1',
    argon2: {
      memoryCost: int(env.KEYHAVEN_ARGON2_MEMORY_KIB, 19456),
      timeCost: int(env.KEYHAVEN_ARGON2_TIME, 2),
      parallelism: 1,
    },
    secret: env.KEYHAVEN_SECRET || undefined,
    smtpUrl: env.KEYHAVEN_SMTP_URL || undefined,
    mailFrom: env.KEYHAVEN_MAIL_FROM ?? 'Keyhaven <no-reply@keyhaven.local>',
    mfaIssuer: env.KEYHAVEN_MFA_ISSUER ?? 'Keyhaven',
    registerAttemptsPerIp: int(env.KEYHAVEN_REGISTER_ATTEMPTS_IP, 20),
    ssoAllowPrivateIssuers: flag(env.KEYHAVEN_SSO_ALLOW_PRIVATE_ISSUERS) ?? isLoopbackUrl(issuer),
    ssoAllowInsecure: flag(env.KEYHAVEN_SSO_ALLOW_INSECURE) ?? false,
    allowedOrigins: (env.KEYHAVEN_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    accessTokenTtlSeconds: Math.min(Math.max(int(env.KEYHAVEN_ACCESS_TOKEN_TTL, ACCESS_TOKEN_TTL_SECONDS), 60), 86400),
    authCodeTtlSeconds: Math.min(int(env.KEYHAVEN_AUTH_CODE_TTL, MAX_AUTH_CODE_TTL_SECONDS) || MAX_AUTH_CODE_TTL_SECONDS, MAX_AUTH_CODE_TTL_SECONDS),
    http: httpTimeouts(env),
    tls,
    pruneIntervalSeconds: Math.min(int(env.KEYHAVEN_PRUNE_INTERVAL_SECONDS, 300), 24 * 3600),
    logLevel: env.KEYHAVEN_LOG_LEVEL ?? 'info',
  };
}

function httpTimeouts(env: NodeJS.ProcessEnv): Config['http'] {
  const requestTimeoutMs = positive(env.KEYHAVEN_REQUEST_TIMEOUT_MS, 30_000);
  return {
    requestTimeoutMs,
    headersTimeoutMs: Math.min(positive(env.KEYHAVEN_HEADERS_TIMEOUT_MS, 10_000), requestTimeoutMs),
    keepAliveTimeoutMs: positive(env.KEYHAVEN_KEEPALIVE_TIMEOUT_MS, 5_000),
  };
}
