/**
 * Kysely table types. Each feature declares its tables in src/store/tables/<feature>.ts
 * by augmenting this interface, so features add tables without editing one shared file.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DB {}
