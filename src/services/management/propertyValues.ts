import type { GetUserPropertyValuesData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { MAX_PAGE_SIZE, type Page } from '../../store/page';
import type { Repositories } from '../../store/repositories';
import type { PropertyOwner, PropertyRow, PropertyValueRow } from '../../store/repositories/properties';
import type { PropertyContext } from '../../store/tables/management';
import { errorCatalogue, managementError } from './errors';
import { organizationByCode, userByPublicId } from './lookups';

/** Error codes of property values (seed 002's user and organization property operations). */
export const propertyValueError = errorCatalogue({
  UNKNOWN_PROPERTY: [400, 'No property with this key.'],
  PROPERTY_CONTEXT_MISMATCH: [400, 'The property does not apply here.'],
  INVALID_PROPERTY_VALUE: [400, 'The value does not fit the property.'],
});

/** Bounds of a value, by property type (the spec's PropertyValueText states them). */
export const SINGLE_LINE_MAX = 255;
export const MULTI_LINE_MAX = 4096;

export interface PropertyValueView {
  id: string;
  name: string;
  description: string | null;
  key: string;
  value: string | null;
}

const valueView = (r: PropertyValueRow): PropertyValueView => ({ id: r.id, name: r.name, description: r.description, key: r.key, value: r.value });

type OwnerKind = PropertyOwner['kind'];
const CONTEXT: Record<OwnerKind, PropertyContext> = { user: 'usr', organization: 'org' };
const WHO: Record<OwnerKind, string> = { user: 'users', organization: 'organizations' };

/** The owner a path names: a user by public id (kp_…) or an organization by code; 404 otherwise. */
async function ownerOf(repos: Repositories, kind: OwnerKind, ref: string): Promise<PropertyOwner> {
  if (kind === 'user') {
    return { kind, id: (await userByPublicId(repos, ref)).id };
  }
  return { kind, id: (await organizationByCode(repos, ref)).id };
}

/** 400 unless the value fits the property's type: single-line ≤ 255 characters and no line breaks, multi-line ≤ 4096. */
function checkValue(property: PropertyRow, value: string): void {
  const length = [...value].length;
  if (property.type === 'single_line_text') {
    if (/[\r\n]/.test(value)) throw propertyValueError('INVALID_PROPERTY_VALUE', `The value of ${property.key} must be a single line (no line breaks).`);
    if (length > SINGLE_LINE_MAX) throw propertyValueError('INVALID_PROPERTY_VALUE', `The value of ${property.key} is longer than ${SINGLE_LINE_MAX} characters.`);
  } else if (length > MULTI_LINE_MAX) {
    throw propertyValueError('INVALID_PROPERTY_VALUE', `The value of ${property.key} is longer than ${MULTI_LINE_MAX} characters.`);
  }
}

/** Every property of the owner's context with the owner's value (null when none), in creation order. */
export async function listPropertyValues(
  deps: Deps,
  kind: OwnerKind,
  ref: string,
  q: NonNullable<GetUserPropertyValuesData['query']>,
): Promise<Page<PropertyValueView>> {
  const owner = await ownerOf(deps.repos, kind, ref);
  const page = await deps.repos.properties.valuesPage(owner, CONTEXT[kind], { size: Math.min(q.page_size ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE), after: q.next_token });
  return { ...page, items: page.items.map(valueView) };
}

/**
 * Sets several values at once (null removes one), all or none: every key must name a property of the
 * owner's context (400 naming the others) and every value fit its property's type.
 */
export async function setPropertyValues(deps: Deps, kind: OwnerKind, ref: string, values: Record<string, string | null | undefined>): Promise<void> {
  await deps.tx(async (repos) => {
    const owner = await ownerOf(repos, kind, ref);
    const keys = Object.keys(values);
    const properties = new Map((await repos.properties.findByKeys(keys)).map((p) => [p.key, p]));
    const unknown = keys.filter((k) => !properties.has(k));
    if (unknown.length > 0) throw propertyValueError('UNKNOWN_PROPERTY', `No property with the key ${unknown.sort().join(', ')} (body /properties).`);
    const foreign = keys.filter((k) => properties.get(k)!.context !== CONTEXT[kind]);
    if (foreign.length > 0) {
      throw propertyValueError('PROPERTY_CONTEXT_MISMATCH', `The property ${foreign.sort().join(', ')} does not apply to ${WHO[kind]} (body /properties).`);
    }
    for (const [key, value] of Object.entries(values)) if (typeof value === 'string') checkValue(properties.get(key)!, value);
    await repos.properties.setValues(owner, keys.map((k) => ({ propertyId: properties.get(k)!.id, value: values[k] ?? null })), deps.clock());
  });
}

/** Sets one value: 404 for an unknown key, 400 for a property of another context or a value that does not fit. */
export async function setPropertyValue(deps: Deps, kind: OwnerKind, ref: string, key: string, value: string): Promise<void> {
  await deps.tx(async (repos) => {
    const owner = await ownerOf(repos, kind, ref);
    const [property] = await repos.properties.findByKeys([key]);
    if (!property) throw managementError('PROPERTY_NOT_FOUND');
    if (property.context !== CONTEXT[kind]) throw propertyValueError('PROPERTY_CONTEXT_MISMATCH', `The property ${key} does not apply to ${WHO[kind]}.`);
    checkValue(property, value);
    await repos.properties.setValues(owner, [{ propertyId: property.id, value }], deps.clock());
  });
}

/** A property claim: `{"v": value}`, or `{}` while the user or organization holds no value (seed 002's `"kp_usr_city": {}`). */
export type PropertyClaim = { v?: string };

/**
 * The `user_properties` and `organization_properties` claims of a token: every non-private property
 * of the context, keyed by property key, `{v}` when a value is held and `{}` otherwise. Two queries
 * at most (one without an organization), however many properties there are.
 */
export async function tokenProperties(
  deps: Pick<Deps, 'repos'>,
  userId: number,
  organizationId: number | null,
): Promise<{ user_properties: Record<string, PropertyClaim>; organization_properties: Record<string, PropertyClaim> }> {
  const claims = (rows: { key: string; value: string | null }[]) =>
    Object.fromEntries(rows.map((r): [string, PropertyClaim] => [r.key, r.value === null ? {} : { v: r.value }]));
  const [user, organization] = await Promise.all([
    deps.repos.properties.publicValues({ kind: 'user', id: userId }, 'usr'),
    organizationId === null ? Promise.resolve([]) : deps.repos.properties.publicValues({ kind: 'organization', id: organizationId }, 'org'),
  ]);
  return { user_properties: claims(user), organization_properties: claims(organization) };
}
