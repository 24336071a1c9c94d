import type { CreateOrganizationData, GetOrganizationsData, UpdateOrganizationData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { HttpError } from '../../http/errors';
import { fromJson, toBool, toIso, toJson } from '../../store/codecs';
import { translateDbError } from '../../store/errors';
import { sortOf, type Page } from '../../store/page';
import type { OrganizationChanges, OrganizationRepository, OrganizationRow } from '../../store/repositories/organizations';
import { newOrganizationCode } from '../tenants';
import { errorCatalogue, managementError } from './errors';
import { pageSizeOf } from './respond';
import { organizationByCode } from './lookups';

/** Codes of the organizations resource (shared ones, such as ORGANIZATION_NOT_FOUND, are in managementError). */
export const organizationError = errorCatalogue({
  CANNOT_DELETE_DEFAULT_ORGANIZATION: [409, 'The default organization cannot be deleted.'],
  HANDLE_TAKEN: [409, 'Another organization has this handle.'],
  UNKNOWN_FEATURE_FLAG: [400, 'No feature flag with this key.'],
  // Users, roles and permissions named in a request body (404 is kept for the resource the path names).
  UNKNOWN_USER: [400, 'No user with this id.'],
  UNKNOWN_ROLE: [400, 'No role with this key.'],
  UNKNOWN_PERMISSION: [400, 'No permission with this key.'],
  FEATURE_FLAG_TYPE_MISMATCH: [400, 'The feature flag has another type.'],
  FEATURE_FLAG_NOT_OVERRIDABLE: [400, 'The feature flag cannot be overridden per organization.'],
});

/** The name of the organization created at start-up when there is none. */
export const DEFAULT_ORGANIZATION_NAME = 'Default Organization';

const COLOUR_FIELDS = [
  'link_color',
  'button_color',
  'button_text_color',
  'background_color',
  'link_color_dark',
  'button_color_dark',
  'button_text_color_dark',
  'background_color_dark',
] as const;
type ColourField = (typeof COLOUR_FIELDS)[number];
type ThemeCode = 'light' | 'dark' | 'user_preference';

/** The JSON of organizations.settings: branding and sender fields, each absent until set. */
type Settings = Partial<Record<ColourField, string>> & { theme_code?: ThemeCode; sender_name?: string; sender_email?: string };
const SETTING_FIELDS = [...COLOUR_FIELDS, 'theme_code', 'sender_name', 'sender_email'] as const;

export interface Colour {
  raw: string;
  hex: string;
  hsl: string;
}

/** `#rgb` or `#rrggbb` (the spec's pattern) as `{raw, hex: '#rrggbb', hsl: 'hsl(h, s%, l%)'}`. */
export function colourOf(raw: string): Colour {
  const digits = raw.slice(1).toLowerCase();
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  const s = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1));
  let h = 0;
  if (d !== 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h = (h * 60 + 360) % 360;
  }
  return { raw, hex: `#${full}`, hsl: `hsl(${Math.round(h) % 360}, ${Math.round(s * 100)}%, ${Math.round(l * 100)}%)` };
}

const COLOR_SCHEME: Record<ThemeCode, 'light' | 'dark' | 'light dark'> = { light: 'light', dark: 'dark', user_preference: 'light dark' };

/** Kinde's `get_organization_response` for one organization. */
export function organizationView(row: OrganizationRow) {
  const settings = fromJson<Settings>(row.settings, {});
  const theme = settings.theme_code ?? 'light';
  const colours = Object.fromEntries(COLOUR_FIELDS.map((f) => [f, settings[f] ? colourOf(settings[f]) : null])) as Record<ColourField, Colour | null>;
  const autoMembership = toBool(row.is_allow_registrations);
  return {
    code: row.code,
    name: row.name,
    handle: row.handle,
    is_default: toBool(row.is_default),
    external_id: row.external_id,
    is_auto_membership_enabled: autoMembership,
    logo: null,
    logo_dark: null,
    favicon_svg: null,
    favicon_fallback: null,
    ...colours,
    theme_code: theme,
    color_scheme: COLOR_SCHEME[theme],
    created_on: toIso(row.created_at)!,
    is_allow_registrations: autoMembership,
    sender_name: settings.sender_name ?? null,
    sender_email: settings.sender_email ?? null,
    is_suspended: false,
    suspended_on: null,
  };
}
export type OrganizationView = ReturnType<typeof organizationView>;


/** The default organization, created once (start-up calls this; a race between processes leaves one). */
export async function ensureDefaultOrganization(deps: Deps): Promise<OrganizationRow> {
  const existing = await deps.repos.organizations.findDefault();
  if (existing) return existing;
  const now = deps.clock();
  try {
    return await deps.repos.organizations.insert({
      code: newOrganizationCode(),
      name: DEFAULT_ORGANIZATION_NAME,
      kind: 'standard',
      handle: null,
      external_id: null,
      is_default: 1,
      is_allow_registrations: 0,
      settings: '{}',
      created_at: now,
      updated_at: now,
    });
  } catch (err) {
    // Another process created it first (organizations_one_default).
    const found = await deps.repos.organizations.findDefault();
    if (found) return found;
    throw err;
  }
}

export async function getOrganization(deps: Deps, code: string | undefined): Promise<OrganizationView> {
  const org = code === undefined ? await ensureDefaultOrganization(deps) : await organizationByCode(deps.repos, code);
  return organizationView(org);
}

export async function listOrganizations(deps: Deps, q: NonNullable<GetOrganizationsData['query']>): Promise<Page<OrganizationView>> {
  // Organizations have no email: email_* orders by code. Without `sort`, oldest first.
  const { column, descending } = sortOf(q.sort, ['name', 'email'] as const, 'name');
  const sortBy = !q.sort ? 'created_at' : column === 'email' ? 'code' : 'name';
  const page = await deps.repos.organizations.page({ size: pageSizeOf(q.page_size), after: q.next_token, descending, sortBy });
  return { ...page, items: page.items.map(organizationView) };
}

type CreateInput = CreateOrganizationData['body'];
type UpdateInput = NonNullable<UpdateOrganizationData['body']>;

/** The settings after applying the input's branding and sender fields (null clears one). */
function settingsWith(current: Settings, input: UpdateInput): Settings {
  const next: Record<string, unknown> = { ...current };
  for (const field of SETTING_FIELDS) {
    if (!(field in input)) continue;
    const value = (input as Record<string, unknown>)[field];
    if (value === null || value === undefined) delete next[field];
    else next[field] = value;
  }
  return next as Settings;
}

/** `is_auto_membership_enabled`, else its deprecated name `is_allow_registrations`. */
const autoMembershipOf = (input: UpdateInput): boolean | undefined => input.is_auto_membership_enabled ?? input.is_allow_registrations;

/** Runs a write, turning a unique violation (the handle) into HANDLE_TAKEN. */
async function guardHandle<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const translated = translateDbError(err);
    if (translated instanceof HttpError && translated.status === 409) throw organizationError('HANDLE_TAKEN');
    throw err;
  }
}

async function refuseTakenHandle(organizations: OrganizationRepository, handle: string | undefined, selfId?: number): Promise<void> {
  if (handle === undefined) return;
  const holder = await organizations.findByHandle(handle);
  if (holder && holder.id !== selfId) throw organizationError('HANDLE_TAKEN');
}

/** Creates the organization (and its flag overrides) in one transaction; answers its code. */
export async function createOrganization(deps: Deps, input: CreateInput): Promise<string> {
  const now = deps.clock();
  return deps.tx(async (repos) => {
    const flagKeys = Object.keys(input.feature_flags ?? {});
    const flags = await repos.organizations.flagsByKeys(flagKeys);
    const byKey = new Map(flags.map((f) => [f.key, f]));
    for (const key of flagKeys) {
      const flag = byKey.get(key);
      if (!flag) throw organizationError('UNKNOWN_FEATURE_FLAG', `No feature flag with key "${key}".`);
      if (flag.type !== input.feature_flags![key]) throw organizationError('FEATURE_FLAG_TYPE_MISMATCH', `Feature flag "${key}" is of type ${flag.type}.`);
      if (flag.allow_override_level !== 'org' && flag.allow_override_level !== 'usr') {
        throw organizationError('FEATURE_FLAG_NOT_OVERRIDABLE', `Feature flag "${key}" cannot be overridden per organization.`);
      }
    }
    await refuseTakenHandle(repos.organizations, input.handle);
    const org = await guardHandle(() =>
      repos.organizations.insert({
        code: newOrganizationCode(),
        name: input.name,
        kind: 'standard',
        handle: input.handle ?? null,
        external_id: input.external_id ?? null,
        is_default: 0,
        is_allow_registrations: autoMembershipOf(input) ? 1 : 0,
        settings: toJson(settingsWith({}, input)),
        created_at: now,
        updated_at: now,
      }),
    );
    for (const flag of flags) await repos.organizations.setFlagOverride(org.id, flag.id, flag.default_value, now);
    return org.code;
  });
}

export async function updateOrganization(deps: Deps, code: string, input: UpdateInput): Promise<void> {
  await deps.tx(async (repos) => {
    const org = await organizationByCode(repos, code);
    const changes: OrganizationChanges = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.handle !== undefined) changes.handle = input.handle;
    if (input.external_id !== undefined) changes.external_id = input.external_id;
    const autoMembership = autoMembershipOf(input);
    if (autoMembership !== undefined) changes.is_allow_registrations = autoMembership ? 1 : 0;
    if (SETTING_FIELDS.some((f) => f in input)) changes.settings = toJson(settingsWith(fromJson<Settings>(org.settings, {}), input));
    if (Object.keys(changes).length === 0) return;
    await refuseTakenHandle(repos.organizations, input.handle, org.id);
    await guardHandle(() => repos.organizations.update(org.id, { ...changes, updated_at: deps.clock() }));
  });
}

/** Deletes the organization; its memberships (with their roles and permissions), flag overrides and property values go by cascade. */
export async function deleteOrganization(deps: Deps, code: string): Promise<void> {
  const org = await organizationByCode(deps.repos, code);
  if (org.is_default === 1) throw organizationError('CANNOT_DELETE_DEFAULT_ORGANIZATION');
  if (!(await deps.repos.organizations.delete(org.id))) throw managementError('ORGANIZATION_NOT_FOUND');
}

/** Clears the handle (also when there is none). */
export async function deleteOrganizationHandle(deps: Deps, code: string): Promise<void> {
  const org = await organizationByCode(deps.repos, code);
  if (org.handle !== null) await deps.repos.organizations.update(org.id, { handle: null, updated_at: deps.clock() });
}
