import type { Deps } from '../deps';
import { principalOf, type Handlers } from '../http/handler';
import { jwks } from '../services/oauth/keys';
import { userInfo, userProfileV1, userProfileV2 } from '../services/oauth/userinfo';

const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'offline', 'app'];
const CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'amr', 'azp', 'name', 'given_name', 'family_name', 'picture', 'preferred_username', 'email', 'email_verified'];

/**
 * RFC 8414 / OIDC Discovery. The RFC 8414 document (seed 000) names the /oauth/* endpoints; the
 * OpenID configuration names seed 002's /oauth2/* ones. Both families run on the same handlers.
 */
function metadata(deps: Deps, family: 'oauth' | 'oauth2') {
  const iss = deps.config.issuer;
  return {
    issuer: iss,
    authorization_endpoint: family === 'oauth' ? `${iss}/oauth/authorize` : `${iss}/oauth2/auth`,
    token_endpoint: `${iss}/${family}/token`,
    device_authorization_endpoint: `${iss}/oauth/device/code`,
    userinfo_endpoint: `${iss}/oauth/userinfo`,
    jwks_uri: `${iss}/.well-known/jwks.json`,
    introspection_endpoint: `${iss}/oauth2/introspect`,
    revocation_endpoint: `${iss}/oauth2/revoke`,
    end_session_endpoint: `${iss}/logout`,
    scopes_supported: SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: ['none', 'login', 'consent', 'create'],
    claims_supported: CLAIMS,
    authorization_response_iss_parameter_supported: true,
  };
}

const CACHEABLE = { 'Cache-Control': 'public, max-age=300' };

export const oidcHandlers = {
  getOAuthAuthorizationServerMetadata: ({ deps }) => ({ status: 200, body: metadata(deps, 'oauth'), headers: CACHEABLE }),
  getOpenIdConfiguration: ({ deps }) => ({ status: 200, body: metadata(deps, 'oauth2'), headers: CACHEABLE }),
  getJwks: async ({ deps }) => ({ status: 200, body: (await jwks(deps)) as never, headers: CACHEABLE }),
  getOAuthUserInfo: async (ctx) => ({ status: 200, body: await userInfo(ctx.deps, principalOf(ctx)) }),
  getOAuth2UserProfile: async (ctx) => ({ status: 200, body: await userProfileV1(ctx.deps, principalOf(ctx)) }),
  getOAuth2UserProfileV2: async (ctx) => ({ status: 200, body: await userProfileV2(ctx.deps, principalOf(ctx)) }),
} satisfies Partial<Handlers>;
