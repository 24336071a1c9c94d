import { randomBytes } from 'node:crypto';

/** A public id: a short prefix naming the kind, then 128 random bits in hex (e.g. `rol_0f3c…`). */
export const newId = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;
