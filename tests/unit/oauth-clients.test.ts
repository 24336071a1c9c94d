import { describe, expect, it } from 'vitest';
import { FIRST_PARTY_CLIENTS, logoutUriAllowed, redirectUriAllowed } from '../../src/services/oauth/clients';

const desktop = FIRST_PARTY_CLIENTS.find((c) => c.clientId === 'kendr-desktop')!;
const v6 = { redirectUris: ['http://[::1]/callback', 'https://app.example.com/cb?x=1'] };

describe('redirectUriAllowed', () => {
  it('matches registered URIs exactly', () => {
    expect(redirectUriAllowed(desktop, 'kendr://oauth/callback')).toBe(true);
    expect(redirectUriAllowed(v6, 'https://app.example.com/cb?x=1')).toBe(true);
    for (const uri of [
      'kendr://oauth/callback/', 'KENDR://oauth/callback', 'kendr://oauth/callback?x=1', 'kendr://oauth/callback#f',
      'https://app.example.com/cb', 'https://app.example.com/cb?x=1&y=2', 'https://app.example.com/cb?x=1#frag',
      'https://app.example.com.evil.com/cb?x=1', 'https://APP.example.com/cb?x=1',
    ]) expect(redirectUriAllowed(uri.startsWith('kendr') ? desktop : v6, uri), uri).toBe(false);
  });

  it('lets loopback IP redirects use any port (RFC 8252 §7.3) but nothing else', () => {
    for (const uri of ['http://127.0.0.1/callback', 'http://127.0.0.1:53682/callback', 'http://127.0.0.1:1/callback', 'http://127.0.0.1:65535/callback']) {
      expect(redirectUriAllowed(desktop, uri), uri).toBe(true);
    }
    expect(redirectUriAllowed(v6, 'http://[::1]:8080/callback')).toBe(true);
    for (const uri of [
      'http://127.0.0.1:8080/callback/extra', 'http://127.0.0.1:8080/other', 'http://127.0.0.1:65536/callback', 'http://127.0.0.1:8080/callback?x=1',
      'http://localhost:8080/callback', 'https://127.0.0.1:8080/callback', 'http://127.0.0.2:8080/callback', 'http://[::1]:8080/callback',
      'http://127.0.0.1:8080@evil.com/callback', 'http://127.0.0.1:8080/callback#x', 'http://127.0.0.1.evil.com/callback',
    ]) expect(redirectUriAllowed(desktop, uri), uri).toBe(false);
  });
});

describe('logoutUriAllowed', () => {
  it('matches exactly', () => {
    const c = { logoutUris: ['https://app.example.com/bye'] };
    expect(logoutUriAllowed(c, 'https://app.example.com/bye')).toBe(true);
    expect(logoutUriAllowed(c, 'https://app.example.com/bye/')).toBe(false);
    expect(logoutUriAllowed(c, 'https://evil.example/bye')).toBe(false);
  });

  it('treats an origin without a path as the origin with `/` (the same URL), and nothing else', () => {
    const c = { logoutUris: ['http://localhost:3000/', 'https://app.example.com'] };
    expect(logoutUriAllowed(c, 'http://localhost:3000')).toBe(true);
    expect(logoutUriAllowed(c, 'https://app.example.com/')).toBe(true);
    expect(logoutUriAllowed(c, 'https://app.example.com/x')).toBe(false);
    expect(logoutUriAllowed(c, 'https://app.example.com?x=1')).toBe(false);
    expect(logoutUriAllowed(c, 'http://localhost:3001')).toBe(false);
  });
});

describe('first-party clients', () => {
  it('seeds kendr-desktop and kendr-cli as public, opaque, with seed 000 default scopes', () => {
    const cli = FIRST_PARTY_CLIENTS.find((c) => c.clientId === 'kendr-cli')!;
    expect(desktop).toMatchObject({ type: 'public', tokenFormat: 'opaque', grantTypes: ['authorization_code', 'refresh_token'], defaultScopes: ['profile', 'email', 'app'] });
    expect(cli).toMatchObject({ type: 'public', tokenFormat: 'opaque', grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'] });
  });
});
