import type { Handlers } from '../../http/handler';
import {
  createCategory,
  createProperty,
  deleteProperty,
  hasMoreBody,
  listCategories,
  listProperties,
  updateCategory,
  updateProperty,
} from '../../services/management/properties';
import { listPropertyValues, setPropertyValue, setPropertyValues } from '../../services/management/propertyValues';
import { listBody, success } from '../../services/management/respond';

const PROPERTY_UPDATED = success('PROPERTY_UPDATED', 'Property successfully updated');
const PROPERTIES_UPDATED = success('PROPERTIES_UPDATED', 'Properties successfully updated');

/** Properties, property categories, and the property values of users and organizations (seed 002). */
export const propertyHandlers = {
  getProperties: async ({ deps, query }) => ({ status: 200, body: hasMoreBody('properties', await listProperties(deps, query)) }),
  createProperty: async ({ deps, body }) => ({
    status: 201,
    body: { ...success('PROPERTY_CREATED', 'Property successfully created'), property: { id: await createProperty(deps, body) } },
  }),
  updateProperty: async ({ deps, path, body }) => {
    await updateProperty(deps, path.property_id, body);
    return { status: 200, body: PROPERTY_UPDATED };
  },
  deleteProperty: async ({ deps, path }) => {
    await deleteProperty(deps, path.property_id);
    return { status: 200, body: success('PROPERTY_DELETED', 'Property successfully deleted') };
  },

  getCategories: async ({ deps, query }) => ({ status: 200, body: hasMoreBody('categories', await listCategories(deps, query)) }),
  createCategory: async ({ deps, body }) => ({
    status: 201,
    body: { ...success('CATEGORY_CREATED', 'Category successfully created'), category: { id: await createCategory(deps, body) } },
  }),
  updateCategory: async ({ deps, path, body }) => {
    await updateCategory(deps, path.category_id, body);
    return { status: 200, body: success('CATEGORY_UPDATED', 'Category successfully updated') };
  },

  getUserPropertyValues: async ({ deps, path, query }) => ({
    status: 200,
    body: listBody('properties', await listPropertyValues(deps, 'user', path.user_id, query)),
  }),
  updateUserProperties: async ({ deps, path, body }) => {
    await setPropertyValues(deps, 'user', path.user_id, body.properties);
    return { status: 200, body: PROPERTIES_UPDATED };
  },
  updateUserProperty: async ({ deps, path, query }) => {
    await setPropertyValue(deps, 'user', path.user_id, path.property_key, query.value);
    return { status: 200, body: PROPERTY_UPDATED };
  },

  getOrganizationPropertyValues: async ({ deps, path, query }) => ({
    status: 200,
    body: listBody('properties', await listPropertyValues(deps, 'organization', path.org_code, query)),
  }),
  updateOrganizationProperties: async ({ deps, path, body }) => {
    await setPropertyValues(deps, 'organization', path.org_code, body.properties);
    return { status: 200, body: PROPERTIES_UPDATED };
  },
  updateOrganizationProperty: async ({ deps, path, query }) => {
    await setPropertyValue(deps, 'organization', path.org_code, path.property_key, query.value);
    return { status: 200, body: PROPERTY_UPDATED };
  },
} satisfies Partial<Handlers>;
