import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps';
import { REDACTED, toView } from '../../src/services/sso/config';
import { checkRedirectUri } from '../../src/services/sso/flow';
import type { SsoConfigRow } from '../../src/store/repositories/sso';

const deps = { config: { issuer: 'https://id.example.org' } } as unknown as Deps;

describe('checkRedirectUri (no open redirect)', () => {
  it.each(['/', '/dashboard', '/a/b?c=d#e', 'https://id.example.org/home', 'https://id.example.org:443/x'])('accepts %s', (uri) => {
    expect(() => checkRedirectUri(deps, uri)).not.toThrow();
  });
  it.each([
    'https://evil.example/', '//evil.example', '/\\evil.example', '/ /evil', 'javascript:alert(1)', 'http://id.example.org/home',
    'https://id.example.org.evil.example/', 'https://id.example.org@evil.example/', 'https://id.example.org:8443/', 'dashboard', '',
  ])('refuses %s', (uri) => {
    expect(() => checkRedirectUri(deps, uri)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('toView (redaction)', () => {
  const row: SsoConfigRow = {
    organization_id: 1, provider: 'oidc', enabled: 1, saml_entity_id: null, saml_sso_url: null,
    oidc_issuer: 'https://idp.example.com', oidc_client_id: 'c', oidc_client_secret_sealed: 'v1.sealed.value.x',
    oidc_scopes: 'openid email', default_role: 'member', allowed_domains: '["example.com"]', auto_provision: 0,
    enforce_for_all_users: 1, created_at: 0, updated_at: 0,
  };
  it('shows only that a secret is set, never the sealed value', () => {
    const v = toView(row);
    expect(v.oidcClientSecret).toBe(REDACTED);
    expect(v.oidcClientSecretSet).toBe(true);
    expect(JSON.stringify(v)).not.toContain('sealed');
    expect(v).toMatchObject({ enabled: true, autoProvision: false, enforceForAllUsers: true, allowedDomains: ['example.com'] });
  });
  it('null when no secret is stored', () => {
    expect(toView({ ...row, oidc_client_secret_sealed: null })).toMatchObject({ oidcClientSecret: null, oidcClientSecretSet: false });
  });
});
