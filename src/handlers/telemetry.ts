import type { Handlers } from '../http/handler';
import {
  activeNotifications,
  recordActivity,
  recordError,
  recordFeedback,
  recordInstallation,
} from '../services/telemetry';

// Security is optional on these operations: ctx.principal is the session's user when one was valid.
export const telemetryHandlers = {
  recordAppInstallation: async ({ deps, principal, ip, body }) => ({
    status: 200,
    body: await recordInstallation(deps, { principal, ip }, body),
  }),
  recordAppActivity: async ({ deps, principal, ip, body }) => ({
    status: 200,
    body: await recordActivity(deps, { principal, ip }, body),
  }),
  recordAppError: async ({ deps, principal, ip, body }) => ({
    status: 201,
    body: await recordError(deps, { principal, ip }, body),
  }),
  recordAppFeedback: async ({ deps, principal, ip, body }) => ({
    status: 201,
    body: await recordFeedback(deps, { principal, ip }, body),
  }),
  listAppNotifications: async ({ deps, query }) => ({
    status: 200,
    body: await activeNotifications(deps, query.platform),
  }),
} satisfies Partial<Handlers>;
