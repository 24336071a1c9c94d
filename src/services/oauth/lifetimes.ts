/** Token lifetimes (seconds). Access and ID tokens: this default, or KEYHAVEN_ACCESS_TOKEN_TTL (config.accessTokenTtlSeconds). */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
/** A refresh token unused this long expires (each rotation starts a new idle period). */
export const REFRESH_IDLE_SECONDS = 14 * 24 * 3600;
/** A refresh-token family ends this long after the original grant, whatever its use. */
export const REFRESH_ABSOLUTE_SECONDS = 30 * 24 * 3600;
