import type {
  CreateCategoryData,
  CreatePropertyData,
  GetCategoriesData,
  GetPropertiesData,
  UpdateCategoryData,
  UpdatePropertyData,
} from '../../../generated/client';
import type { Deps } from '../../deps';
import { fromBool, toBool } from '../../store/codecs';
import { newId } from '../../store/ids';
import type { PositionPage, PositionRequest, PropertyCategoryRow, PropertyRow } from '../../store/repositories/properties';
import type { PropertyContext } from '../../store/tables/management';
import { errorCatalogue, managementError } from './errors';
import { pageSizeOf } from './respond';

/** Error codes of properties and property categories (values: propertyValues.ts). */
export const propertyError = errorCatalogue({
  CATEGORY_NOT_FOUND: [404, 'No property category with this id.'],
  CATEGORY_CONTEXT_MISMATCH: [400, 'category_id names a category of another context than the property.'],
  KINDE_PROPERTY_NOT_DELETABLE: [400, 'Built-in properties cannot be deleted.'],
  INVALID_PAGE_POSITION: [400, 'starting_after and ending_before cannot be used together.'],
});

export interface PropertyView {
  id: string;
  key: string;
  name: string;
  is_private: boolean;
  description: string | null;
  is_kinde_property: boolean;
}

export const propertyView = (r: PropertyRow): PropertyView => ({
  id: r.id,
  key: r.key,
  name: r.name,
  is_private: toBool(r.is_private),
  description: r.description,
  is_kinde_property: toBool(r.is_kinde_property),
});

export const categoryView = (r: PropertyCategoryRow) => ({ id: r.id, name: r.name });

/** The seed's lists (`has_more`) as the management API shows them. */
export const hasMoreBody = <K extends string, T>(key: K, page: PositionPage<T>) =>
  ({ code: 'OK', message: 'Success', [key]: page.items, has_more: page.hasMore }) as { code: string; message: string; has_more: boolean } & Record<K, T[]>;

type PositionQuery = { page_size?: number; starting_after?: string; ending_before?: string; context?: PropertyContext };

/**
 * The position a `starting_after` / `ending_before` id names: the (created_at, id) of that row.
 * An id naming no row is a 400 (a position the server never listed), naming the parameter.
 */
async function positionOf(q: PositionQuery, find: (id: string) => Promise<{ created_at: number; id: string } | undefined>): Promise<PositionRequest> {
  if (q.starting_after !== undefined && q.ending_before !== undefined) throw propertyError('INVALID_PAGE_POSITION');
  const req: PositionRequest = { size: pageSizeOf(q.page_size), context: q.context };
  for (const param of ['starting_after', 'ending_before'] as const) {
    const id = q[param];
    if (id === undefined) continue;
    const row = await find(id);
    if (!row) throw propertyError('INVALID_PAGE_POSITION', `${param} names no item of this list: ${id}`);
    req[param === 'starting_after' ? 'after' : 'before'] = [row.created_at, row.id];
  }
  return req;
}

export async function listProperties(deps: Deps, q: NonNullable<GetPropertiesData['query']>): Promise<PositionPage<PropertyView>> {
  const page = await deps.repos.properties.page(await positionOf(q, (id) => deps.repos.properties.findById(id)));
  return { ...page, items: page.items.map(propertyView) };
}

/** The category a property may belong to: it exists (404) and is of the property's context (400). */
async function categoryFor(deps: Deps, categoryId: string, context: PropertyContext): Promise<string> {
  const category = await deps.repos.properties.findCategory(categoryId);
  if (!category) throw propertyError('CATEGORY_NOT_FOUND');
  if (category.context !== context) {
    throw propertyError('CATEGORY_CONTEXT_MISMATCH', `category_id ${categoryId} is a category of context ${category.context}, the property's is ${context}.`);
  }
  return category.id;
}

export async function createProperty(deps: Deps, input: CreatePropertyData['body']): Promise<string> {
  const id = newId('prop');
  const categoryId = await categoryFor(deps, input.category_id, input.context);
  await deps.repos.properties.insert({
    id,
    key: input.key,
    name: input.name,
    description: input.description ?? null,
    type: input.type,
    context: input.context,
    is_private: fromBool(input.is_private),
    is_kinde_property: 0,
    category_id: categoryId,
    created_at: deps.clock(),
  });
  return id;
}

export async function updateProperty(deps: Deps, id: string, input: UpdatePropertyData['body']): Promise<void> {
  const property = await deps.repos.properties.findById(id);
  if (!property) throw managementError('PROPERTY_NOT_FOUND');
  const categoryId = await categoryFor(deps, input.category_id, property.context);
  const changes = {
    name: input.name,
    is_private: fromBool(input.is_private),
    category_id: categoryId,
    ...(input.description !== undefined ? { description: input.description } : {}),
  };
  if (!(await deps.repos.properties.update(id, changes))) throw managementError('PROPERTY_NOT_FOUND');
}

export async function deleteProperty(deps: Deps, id: string): Promise<void> {
  const property = await deps.repos.properties.findById(id);
  if (!property) throw managementError('PROPERTY_NOT_FOUND');
  if (property.is_kinde_property) throw propertyError('KINDE_PROPERTY_NOT_DELETABLE', `${property.key} is a built-in property and cannot be deleted.`);
  if (!(await deps.repos.properties.delete(id))) throw managementError('PROPERTY_NOT_FOUND');
}

export async function listCategories(deps: Deps, q: NonNullable<GetCategoriesData['query']>): Promise<PositionPage<{ id: string; name: string }>> {
  const page = await deps.repos.properties.pageCategories(await positionOf(q, (id) => deps.repos.properties.findCategory(id)));
  return { ...page, items: page.items.map(categoryView) };
}

export async function createCategory(deps: Deps, input: CreateCategoryData['body']): Promise<string> {
  const id = newId('cat');
  await deps.repos.properties.insertCategory({ id, name: input.name, context: input.context, created_at: deps.clock() });
  return id;
}

export async function updateCategory(deps: Deps, id: string, input: UpdateCategoryData['body']): Promise<void> {
  if (!(await deps.repos.properties.updateCategory(id, input))) throw propertyError('CATEGORY_NOT_FOUND');
}
