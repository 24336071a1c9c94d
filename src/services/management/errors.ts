import { HttpError } from '../../http/errors';

/**
 * Error codes of the management API, one catalogue per resource (better-auth style): each code is
 * UPPER_SNAKE with one status and one message, and the management surface shows the code as is
 * (`{"errors":[{"code":"ROLE_NOT_FOUND","message":"Role not found."}]}`).
 *
 *   const fail = errorCatalogue({ ROLE_NOT_FOUND: [404, 'Role not found.'] });
 *   throw fail('ROLE_NOT_FOUND');
 */
export type Catalogue = Record<string, readonly [status: number, message: string]>;

export function errorCatalogue<C extends Catalogue>(catalogue: C) {
  const fail = (code: keyof C & string, message?: string): HttpError => {
    const [status, text] = catalogue[code];
    return new HttpError(status, code, message ?? text);
  };
  return Object.assign(fail, { codes: catalogue });
}

/** Codes shared by every management resource. */
export const managementError = errorCatalogue({
  USER_NOT_FOUND: [404, 'No user with this id.'],
  ORGANIZATION_NOT_FOUND: [404, 'No organization with this code.'],
  ROLE_NOT_FOUND: [404, 'No role with this id.'],
  PERMISSION_NOT_FOUND: [404, 'No permission with this id.'],
  FEATURE_FLAG_NOT_FOUND: [404, 'No feature flag with this key.'],
  PROPERTY_NOT_FOUND: [404, 'No property with this key or id.'],
  NOT_A_MEMBER: [404, 'The user is not a member of this organization.'],
});
