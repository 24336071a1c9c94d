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

  it('reads the extra CSRF origins as a comma-separated list', () => {
    expect(withEnv({ KEYHAVEN_ALLOWED_ORIGINS: 'https://app.example.com, https://admin.example.com,' }).allowedOrigins)
      .toEqual(['https://app.example.com', 'https://admin.example.com']);
  });
});
