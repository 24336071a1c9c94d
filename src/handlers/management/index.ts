import type { Handlers } from '../../http/handler';
import { permissionHandlers } from './permissions';
import { featureFlagHandlers } from './featureFlags';
import { organizationHandlers } from './organizations';
import { propertyHandlers } from './properties';
import { roleHandlers } from './roles';
import { organizationUserRbacHandlers } from './organizationUserRbac';
import { userHandlers } from './users';
import { identityHandlers } from './identities';

/** The management API (seed 002): one handler map per resource. */
export const managementHandlers = {
  ...permissionHandlers,
  ...featureFlagHandlers,
  ...organizationHandlers,
  ...propertyHandlers,
  ...roleHandlers,
  ...organizationUserRbacHandlers,
  ...userHandlers,
  ...identityHandlers,
} satisfies Partial<Handlers>;
