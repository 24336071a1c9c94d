import type { Handlers } from '../http/handler';
import { systemHandlers } from './system';

/** The handler map, keyed by operationId. A missing or mistyped handler fails `tsc` and start-up. */
export const handlers: Handlers = {
  ...systemHandlers,
};
