import type { Handlers } from '../http/handler';
import { systemHandlers } from './system';
import { accountHandlers } from './accounts';
import { apiKeyHandlers } from './apiKeys';
import { telemetryHandlers } from './telemetry';
import { adminHandlers } from './admin';
import { oauthHandlers } from './oauth';
import { oidcHandlers } from './oidc';
import { oauthAuthorizeHandlers } from './oauthAuthorize';
import { pageHandlers } from './pages';
import { consentPageHandlers } from './consentPages';
import { devicePageHandlers } from './devicePages';
import { logoutPageHandlers } from './logoutPages';
import { accountPageHandlers } from './accountPages';
import { organizationPageHandlers } from './organizationPages';
import { mfaHandlers } from './mfa';
import { ssoHandlers } from './sso';
import { sessionHandlers } from './session';
import { appSessionHandlers } from './appSession';
import { managementHandlers } from './management';

/** The handler map, keyed by operationId. A missing or mistyped handler fails `tsc` and start-up. */
export const handlers: Handlers = {
  ...systemHandlers,
  ...accountHandlers,
  ...apiKeyHandlers,
  ...telemetryHandlers,
  ...adminHandlers,
  ...oauthHandlers,
  ...oidcHandlers,
  ...oauthAuthorizeHandlers,
  ...pageHandlers,
  ...consentPageHandlers,
  ...devicePageHandlers,
  ...logoutPageHandlers,
  ...accountPageHandlers,
  ...organizationPageHandlers,
  ...mfaHandlers,
  ...ssoHandlers,
  ...sessionHandlers,
  ...appSessionHandlers,
  ...managementHandlers,
};
