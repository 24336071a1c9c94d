import { describe, expect, it } from 'vitest';
import bundled from '../../generated/openapi.json';

/**
 * Deny by default (DESIGN.md): every operation that can be called without credentials is listed here,
 * by operationId, with the seed or reason that makes it public. An operation is public when its
 * `security` is `[]` or contains the empty requirement `{}` (optional auth, e.g. telemetry).
 * Adding a public operation means adding it here, on purpose, in review.
 */
const PUBLIC_OPERATIONS: Record<string, string> = {
  // system
  getHealth: 'liveness probe',
  getApiReference: 'API reference page',
  getApiReferenceAsset: 'assets of the reference page',
  getOpenApiDocument: 'the contract itself',
  // seed 000: browser and app session
  browserRegister: 'seed 000 register',
  browserLogin: 'seed 000 login',
  appRegister: 'seed 000 SDK registerWithPassword',
  appLogin: 'seed 000 app login',
  // seed 000: telemetry (anonymous callers allowed; a session is recorded when present)
  recordAppInstallation: 'seed 000 telemetry',
  recordAppActivity: 'seed 000 telemetry',
  recordAppError: 'seed 000 telemetry',
  recordAppFeedback: 'seed 000 telemetry',
  listAppNotifications: 'seed 000 telemetry',
  // seed 003: accounts, MFA second step, SSO
  registerAccount: 'seed 003 registration',
  verifyAccountEmail: 'seed 003 email verification link',
  manageMfa: 'seed 003: the MFA challenge step runs before a session exists',
  startSso: 'seed 003 SSO start (redirect to the upstream IdP)',
  ssoCallback: 'seed 003 SSO callback from the upstream IdP',
  // OAuth / OIDC: client auth may be in the body (client_secret_post, public PKCE clients)
  postOAuthToken: 'RFC 6749 token endpoint',
  postOAuth2Token: 'RFC 6749 token endpoint (seed 002 path)',
  introspectOAuth2Token: 'RFC 7662; client auth in the body is allowed',
  revokeOAuth2Token: 'RFC 7009; client auth in the body is allowed',
  getJwks: 'RFC 7517 JWKS',
  getOpenIdConfiguration: 'OIDC discovery',
  getOAuthAuthorizationServerMetadata: 'RFC 8414 metadata',
  startDeviceAuthorization: 'RFC 8628; public clients (kendr-cli) authenticate by client_id only',
  authorizeOAuth: 'RFC 6749 authorization endpoint (seed 000 path); signs the browser in when needed',
  authorizeOAuth2: 'RFC 6749 authorization endpoint (seed 002 path)',
  logout: 'seed 000 /logout and OIDC RP-initiated logout; without a session it only redirects',
  confirmLogout: 'the logout confirmation form (CSRF token checked)',
  // hosted pages: they render for anonymous browsers and check a CSRF token on every POST
  getLoginPage: 'hosted sign-in page',
  postLoginPage: 'hosted sign-in form',
  postLoginMfaPage: 'hosted sign-in, second factor (bound to the pending sign-in)',
  getRegisterPage: 'hosted account creation page',
  postRegisterPage: 'hosted account creation form',
  getConsentPage: 'consent page; without a session it sends the browser to sign in',
  postConsentPage: 'consent form; without a session it sends the browser to sign in',
  getDevicePage: 'device verification page; without a session it sends the browser to sign in',
  postDevicePage: 'device verification form; without a session it sends the browser to sign in',
  getHomePage: 'landing page at /; names the signed-in user when there is a session',
  getAccountPage: 'account page; without a session it sends the browser to sign in',
  postAccountSessions: 'account sessions form (CSRF token checked); without a session it sends the browser to sign in',
  getOrganizationChooserPage: 'organization chooser of a pending authorization; without a session it sends the browser to sign in',
  postOrganizationChooserPage: 'organization chooser form (CSRF token checked); without a session it sends the browser to sign in',
};

type Op = { operationId: string; security?: Record<string, string[]>[] };
const spec = bundled as unknown as { security?: Op['security']; paths: Record<string, Record<string, Op>> };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

const operations: Op[] = Object.values(spec.paths).flatMap((item) =>
  Object.entries(item)
    .filter(([m]) => METHODS.includes(m))
    .map(([, op]) => op),
);

const isPublic = (op: Op) => {
  const security = op.security ?? spec.security ?? [];
  return security.length === 0 || security.some((r) => Object.keys(r).length === 0);
};

describe('public operations', () => {
  it('the root document requires credentials by default', () => {
    expect(spec.security?.length).toBeGreaterThan(0);
  });

  it('every operation declares its security explicitly', () => {
    expect(operations.filter((op) => op.security === undefined).map((op) => op.operationId)).toEqual([]);
  });

  it('the operations callable without credentials are exactly the allow-list', () => {
    const actual = operations.filter(isPublic).map((op) => op.operationId).sort();
    const listed = Object.keys(PUBLIC_OPERATIONS).filter((id) => operations.some((op) => op.operationId === id));
    expect(actual).toEqual(listed.sort());
  });
});
