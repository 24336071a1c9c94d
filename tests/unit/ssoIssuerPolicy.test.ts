import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { assertDiscoveredEndpointsPublic, assertIssuerAllowed, assertIssuerResolvesPublic, isPrivateAddress } from '../../src/services/sso/issuerPolicy';

const production = loadConfig({ issuer: 'https://id.example.com' }, {});
const development = loadConfig({ port: 3000, host: '127.0.0.1' }, {});
const allowed = (config: typeof production, url: string) => {
  try {
    assertIssuerAllowed(config, new URL(url));
    return true;
  } catch (err) {
    expect(err).toMatchObject({ status: 400, extra: { field: 'oidcIssuer' } });
    return false;
  }
};

describe('SSO issuer policy (SSRF guard)', () => {
  it('classifies loopback, private, link-local and mapped addresses as private', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('defaults: private issuers only when this server itself runs on loopback', () => {
    expect(production.ssoAllowPrivateIssuers).toBe(false);
    expect(development.ssoAllowPrivateIssuers).toBe(true);
    expect(loadConfig({ issuer: 'https://id.example.com' }, { KEYHAVEN_SSO_ALLOW_PRIVATE_ISSUERS: '1' }).ssoAllowPrivateIssuers).toBe(true);
  });

  it('a production server refuses loopback, private and metadata addresses, and plain http', () => {
    for (const url of ['http://127.0.0.1:4000', 'https://127.0.0.1', 'https://localhost', 'https://10.0.0.5', 'https://169.254.169.254', 'https://[::1]', 'http://idp.example.com']) {
      expect(allowed(production, url), url).toBe(false);
    }
    expect(allowed(production, 'https://idp.example.com')).toBe(true);
  });

  it('a development server accepts a loopback http issuer, but not plain http elsewhere', () => {
    expect(allowed(development, 'http://127.0.0.1:4000')).toBe(true);
    expect(allowed(development, 'http://idp.example.com')).toBe(false);
    expect(allowed(loadConfig({}, { KEYHAVEN_SSO_ALLOW_INSECURE: '1' }), 'http://idp.example.com')).toBe(true);
  });

  it('refuses a public-looking name that resolves to a private address (checked before every discovery)', async () => {
    const url = new URL('https://idp.example.com');
    await expect(assertIssuerResolvesPublic(production, url, async () => ['93.184.216.34', '10.0.0.7'])).rejects.toMatchObject({ status: 400 });
    await expect(assertIssuerResolvesPublic(production, url, async () => ['93.184.216.34'])).resolves.toBeUndefined();
  });

  it('refuses a discovery document whose token_endpoint or jwks_uri points into the private network', async () => {
    const publicOnly = async (host: string) => (host === 'idp.example.com' ? ['93.184.216.34'] : ['10.0.0.7']);
    const good = { token_endpoint: 'https://idp.example.com/token', jwks_uri: 'https://idp.example.com/jwks' };
    await expect(assertDiscoveredEndpointsPublic(production, good, publicOnly)).resolves.toBeUndefined();
    await expect(assertDiscoveredEndpointsPublic(production, { ...good, token_endpoint: 'http://169.254.169.254/latest' }, publicOnly))
      .rejects.toMatchObject({ status: 400, message: "the issuer's token_endpoint must be a public host" });
    await expect(assertDiscoveredEndpointsPublic(production, { ...good, jwks_uri: 'https://internal.example.com/jwks' }, publicOnly))
      .rejects.toMatchObject({ status: 400, message: "the issuer's jwks_uri must be a public host" });
  });
});
