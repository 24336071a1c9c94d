import * as oidc from 'openid-client';
import type { Deps } from '../../deps';
import { HttpError, badRequest } from '../../http/errors';
import type { SsoConfigRow } from '../../store/repositories/sso';
import { secretContext } from './config';
import { publicOnlyFetch } from './fetch';
import { assertDiscoveredEndpointsPublic, assertIssuerResolvesPublic } from './issuerPolicy';

export const callbackUrl = (deps: Deps) => `${deps.config.issuer}/api/v1/sso/callback`;

/** Discovers the upstream issuer (openid-client v6), only where the issuer policy allows. */
export async function upstreamConfiguration(deps: Deps, row: SsoConfigRow): Promise<oidc.Configuration> {
  if (row.provider !== 'oidc' || !row.enabled || !row.oidc_issuer || !row.oidc_client_id) {
    throw badRequest('OIDC SSO is not configured and enabled for this tenant', 'config');
  }
  const issuer = new URL(row.oidc_issuer);
  await assertIssuerResolvesPublic(deps.config, issuer);
  const secret = row.oidc_client_secret_sealed ? deps.secretBox.open(row.oidc_client_secret_sealed, secretContext(row.organization_id)) : undefined;
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(issuer, row.oidc_client_id, undefined, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), {
      // ID-token signatures are always checked against the issuer's JWKS: openid-client skips that by
      // default, trusting TLS, and a loopback http issuer has none.
      execute: [oidc.enableNonRepudiationChecks, ...(issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [])],
      timeout: 10,
      ...(deps.config.ssoAllowPrivateIssuers ? {} : { [oidc.customFetch]: publicOnlyFetch }),
    });
  } catch (err) {
    deps.log.warn({ err, issuer: row.oidc_issuer }, 'SSO issuer discovery failed');
    throw new HttpError(502, 'upstream_error', 'SSO issuer discovery failed');
  }
  await assertDiscoveredEndpointsPublic(deps.config, config.serverMetadata());
  return config;
}

