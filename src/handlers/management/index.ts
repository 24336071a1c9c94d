import type { Handlers } from '../../http/handler';
import { permissionHandlers } from './permissions';

/** The management API (seed 002): one handler map per resource. */
export const managementHandlers = {
  ...permissionHandlers,
} satisfies Partial<Handlers>;
