import spec from '../../../generated/openapi.json';

type Operation = { security?: Record<string, string[]>[] };

/** Every scope a management operation names in its kindeBearerAuth requirement, sorted. */
export const MANAGEMENT_SCOPES: readonly string[] = [
  ...new Set(
    Object.values(spec.paths as unknown as Record<string, Record<string, Operation>>)
      .flatMap((item) => Object.values(item))
      .flatMap((op) => (typeof op === 'object' && op && Array.isArray(op.security) ? op.security : []))
      .flatMap((requirement) => requirement.kindeBearerAuth ?? []),
  ),
].sort();
