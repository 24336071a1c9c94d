/** Tables of seed 002's management API, part 1 (migration 090_management.sql). */

export interface RolesTable {
  id: string;
  key: string;
  name: string;
  description: string | null;
  is_default_role: number;
  created_at: number;
}

export interface PermissionsTable {
  id: string;
  key: string;
  name: string;
  description: string | null;
  created_at: number;
}

export interface RolePermissionsTable {
  role_id: string;
  permission_id: string;
}

export interface MembershipRolesTable {
  organization_id: number;
  user_id: number;
  role_id: string;
  created_at: number;
}

export interface MembershipPermissionsTable {
  organization_id: number;
  user_id: number;
  permission_id: string;
  created_at: number;
}

export type FeatureFlagType = 'str' | 'int' | 'bool';
export type OverrideLevel = 'env' | 'org' | 'usr';

export interface FeatureFlagsTable {
  id: string;
  key: string;
  name: string;
  description: string | null;
  type: FeatureFlagType;
  allow_override_level: OverrideLevel | null;
  /** Text, typed by `type`: 'true'/'false' for bool, a decimal for int. */
  default_value: string;
  created_at: number;
  updated_at: number;
}

export interface EnvironmentFeatureFlagsTable {
  flag_id: string;
  value: string;
  updated_at: number;
}

export interface OrganizationFeatureFlagsTable {
  organization_id: number;
  flag_id: string;
  value: string;
  updated_at: number;
}

export interface UserFeatureFlagsTable {
  user_id: number;
  flag_id: string;
  value: string;
  updated_at: number;
}

export type PropertyContext = 'org' | 'usr' | 'app';

export interface PropertyCategoriesTable {
  id: string;
  name: string;
  context: PropertyContext;
  created_at: number;
}

export interface PropertiesTable {
  id: string;
  key: string;
  name: string;
  description: string | null;
  type: 'single_line_text' | 'multi_line_text';
  context: PropertyContext;
  is_private: number;
  is_kinde_property: number;
  category_id: string | null;
  created_at: number;
}

export interface UserPropertyValuesTable {
  user_id: number;
  property_id: string;
  value: string;
  updated_at: number;
}

export interface OrganizationPropertyValuesTable {
  organization_id: number;
  property_id: string;
  value: string;
  updated_at: number;
}

declare module '../schema' {
  interface DB {
    roles: RolesTable;
    permissions: PermissionsTable;
    role_permissions: RolePermissionsTable;
    membership_roles: MembershipRolesTable;
    membership_permissions: MembershipPermissionsTable;
    feature_flags: FeatureFlagsTable;
    environment_feature_flags: EnvironmentFeatureFlagsTable;
    organization_feature_flags: OrganizationFeatureFlagsTable;
    user_feature_flags: UserFeatureFlagsTable;
    property_categories: PropertyCategoriesTable;
    properties: PropertiesTable;
    user_property_values: UserPropertyValuesTable;
    organization_property_values: OrganizationPropertyValuesTable;
  }
}
