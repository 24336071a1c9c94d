import type { Deps } from './deps';

/** Runs once at start-up after migrations: seeding and key set-up of each feature. */
export async function onStart(_deps: Deps): Promise<void> {}
