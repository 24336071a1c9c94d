import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';

const withEnv = (env: Record<string, string>) => loadConfig({}, env);

describe('configuration from KEYHAVEN_* variables', () => {
  it('defaults: loopback on port 3000, issuer without a trailing slash, 1 MiB bodies, 10-minute codes', () => {
    const c = withEnv({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', issuer: 'http://127.0.0.1:3000', bodyLimitBytes: 1048576, authCodeTtlSeconds: 600, logLevel: 'info', allowedOrigins: [] });
    expect(withEnv({ KEYHAVEN_ISSUER: 'https://id.example.com/' }).issuer).toBe('https://id.example.com');
  });

  it('an authorization code may live shorter than 10 minutes, never longer (RFC 6749 §4.1.2)', () => {
    expect(withEnv({ KEYHAVEN_AUTH_CODE_TTL: '60' }).authCodeTtlSeconds).toBe(60);
    for (const v of ['3600', '0', '-5', 'ten']) expect(withEnv({ KEYHAVEN_AUTH_CODE_TTL: v }).authCodeTtlSeconds, v).toBe(600);
  });

  it('access-token lifetime: 1 hour by default, configurable between 1 minute and 1 day', () => {
    expect(withEnv({}).accessTokenTtlSeconds).toBe(3600);
    expect(withEnv({ KEYHAVEN_ACCESS_TOKEN_TTL: '900' }).accessTokenTtlSeconds).toBe(900);
    expect(withEnv({ KEYHAVEN_ACCESS_TOKEN_TTL: '5' }).accessTokenTtlSeconds).toBe(60);
    expect(withEnv({ KEYHAVEN_ACCESS_TOKEN_TTL: '999999' }).accessTokenTtlSeconds).toBe(86400);
  });

  it('reads the extra CSRF origins as a comma-separated list', () => {
    expect(withEnv({ KEYHAVEN_ALLOWED_ORIGINS: 'https://app.example.com, https://admin.example.com,' }).allowedOrigins)
      .toEqual(['https://app.example.com', 'https://admin.example.com']);
  });

  it('HTTP timeouts: 30 s for a whole request, 10 s for its headers, 5 s keep-alive; headers never longer than the request', () => {
    expect(withEnv({}).http).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 });
    expect(withEnv({ KEYHAVEN_REQUEST_TIMEOUT_MS: '800', KEYHAVEN_HEADERS_TIMEOUT_MS: '400', KEYHAVEN_KEEPALIVE_TIMEOUT_MS: '300' }).http)
      .toEqual({ requestTimeoutMs: 800, headersTimeoutMs: 400, keepAliveTimeoutMs: 300 });
    expect(withEnv({ KEYHAVEN_REQUEST_TIMEOUT_MS: '2000', KEYHAVEN_HEADERS_TIMEOUT_MS: '9000' }).http.headersTimeoutMs).toBe(2000);
    // 0 or garbage falls back to the default: a server without timeouts is what this setting exists to prevent.
    for (const v of ['0', 'abc', '-1']) expect(withEnv({ KEYHAVEN_REQUEST_TIMEOUT_MS: v }).http.requestTimeoutMs, v).toBe(30_000);
  });
});
