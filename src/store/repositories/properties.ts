import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB } from '../schema';
import type { PropertiesTable, PropertyCategoriesTable, PropertyContext } from '../tables/management';
import { afterCursor, keysetPage, type Page, type PageRequest } from '../page';

export type PropertyRow = Selectable<PropertiesTable>;
export type PropertyCategoryRow = Selectable<PropertyCategoriesTable>;

/** A property with the value one user or organization holds (null when none). */
export interface PropertyValueRow {
  id: string;
  key: string;
  name: string;
  description: string | null;
  created_at: number;
  value: string | null;
}

/** A page positioned by an existing row's id (seed 002's `starting_after` / `ending_before`). */
export interface PositionRequest {
  size: number;
  context?: PropertyContext;
  /** The position: (created_at, id) of the row named by starting_after or ending_before. */
  after?: readonly [number, string];
  before?: readonly [number, string];
}

export interface PositionPage<T> {
  items: T[];
  hasMore: boolean;
}

type Owner = { kind: 'user'; id: number } | { kind: 'organization'; id: number };

/** Properties, their categories, and the values users and organizations hold (seed 002). */
export function propertyRepository(db: Kysely<DB>) {
  /**
   * Rows of `table` in (created_at, id) order, optionally of one context, after or before a
   * position; fetches size + 1 rows to know whether more follow (index: <table>_context_created).
   */
  async function positionPage<T extends 'properties' | 'property_categories'>(table: T, req: PositionRequest): Promise<PositionPage<Selectable<DB[T]>>> {
    const backward = req.before !== undefined;
    const position = req.before ?? req.after;
    let q = db.selectFrom(table as 'properties').selectAll();
    if (req.context) q = q.where('context', '=', req.context);
    if (position) q = q.where(afterCursor(`${table}.created_at`, `${table}.id`, [position[0], position[1]], backward));
    const dir = backward ? 'desc' : 'asc';
    const rows = await q.orderBy('created_at', dir).orderBy('id', dir).limit(req.size + 1).execute();
    const shown = rows.slice(0, req.size);
    return { items: (backward ? shown.reverse() : shown) as unknown as Selectable<DB[T]>[], hasMore: rows.length > req.size };
  }

  /** One context's properties with the owner's values, in (created_at, id) order. */
  function valuesQuery(owner: Owner, context: PropertyContext) {
    const base = db.selectFrom('properties').where('properties.context', '=', context);
    const joined =
      owner.kind === 'user'
        ? base.leftJoin('user_property_values as v', (j) => j.onRef('v.property_id', '=', 'properties.id').on('v.user_id', '=', owner.id))
        : base.leftJoin('organization_property_values as v', (j) => j.onRef('v.property_id', '=', 'properties.id').on('v.organization_id', '=', owner.id));
    return joined.select([
      'properties.id',
      'properties.key',
      'properties.name',
      'properties.description',
      'properties.created_at',
      'properties.is_private',
      sql<string | null>`v.value`.as('value'),
    ]);
  }

  return {
    async pageCategories(req: PositionRequest): Promise<PositionPage<PropertyCategoryRow>> {
      return positionPage('property_categories', req);
    },
    async findCategory(id: string): Promise<PropertyCategoryRow | undefined> {
      return db.selectFrom('property_categories').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async insertCategory(row: PropertyCategoryRow): Promise<void> {
      await db.insertInto('property_categories').values(row).execute();
    },
    /** False when no such category. */
    async updateCategory(id: string, changes: Partial<Pick<PropertyCategoryRow, 'name'>>): Promise<boolean> {
      if (Object.keys(changes).length === 0) return (await this.findCategory(id)) !== undefined;
      const r = await db.updateTable('property_categories').set(changes).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async page(req: PositionRequest): Promise<PositionPage<PropertyRow>> {
      return positionPage('properties', req);
    },
    async findById(id: string): Promise<PropertyRow | undefined> {
      return db.selectFrom('properties').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findByKeys(keys: string[]): Promise<PropertyRow[]> {
      if (keys.length === 0) return [];
      return db.selectFrom('properties').selectAll().where('key', 'in', keys).execute();
    },
    async insert(row: PropertyRow): Promise<void> {
      await db.insertInto('properties').values(row).execute();
    },
    /** False when no such property. */
    async update(id: string, changes: Partial<Pick<PropertyRow, 'name' | 'description' | 'is_private' | 'category_id'>>): Promise<boolean> {
      if (Object.keys(changes).length === 0) return (await this.findById(id)) !== undefined;
      const r = await db.updateTable('properties').set(changes).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** False when no such property. Its values go with it (ON DELETE CASCADE). */
    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('properties').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },


    /** One page of a context's properties with the owner's values (keyset on created_at, id). */
    async valuesPage(owner: Owner, context: PropertyContext, req: PageRequest): Promise<Page<PropertyValueRow>> {
      return keysetPage(valuesQuery(owner, context), { sortColumn: 'properties.created_at', idColumn: 'properties.id', sortKey: 'created_at', idKey: 'id' }, req);
    },
    /** Every non-private property of a context with the owner's value: one query (for token claims). */
    async publicValues(owner: Owner, context: PropertyContext): Promise<{ key: string; value: string | null }[]> {
      return valuesQuery(owner, context).where('properties.is_private', '=', 0).orderBy('properties.created_at').orderBy('properties.id').execute();
    },
    /** Sets (value) or removes (null) the owner's values; the caller wraps it in a transaction. */
    async setValues(owner: Owner, values: { propertyId: string; value: string | null }[], now: number): Promise<void> {
      for (const { propertyId, value } of values) {
        if (owner.kind === 'user') {
          if (value === null) await db.deleteFrom('user_property_values').where('user_id', '=', owner.id).where('property_id', '=', propertyId).execute();
          else
            await db
              .insertInto('user_property_values')
              .values({ user_id: owner.id, property_id: propertyId, value, updated_at: now })
              .onConflict((oc) => oc.columns(['user_id', 'property_id']).doUpdateSet({ value, updated_at: now }))
              .execute();
        } else if (value === null) {
          await db.deleteFrom('organization_property_values').where('organization_id', '=', owner.id).where('property_id', '=', propertyId).execute();
        } else {
          await db
            .insertInto('organization_property_values')
            .values({ organization_id: owner.id, property_id: propertyId, value, updated_at: now })
            .onConflict((oc) => oc.columns(['organization_id', 'property_id']).doUpdateSet({ value, updated_at: now }))
            .execute();
        }
      }
    },
  };
}
export type PropertyRepository = ReturnType<typeof propertyRepository>;
export type PropertyOwner = Owner;
