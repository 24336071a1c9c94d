import pino from 'pino';

export const createLogger = (level = process.env.KEYHAVEN_LOG_LEVEL ?? 'info') => pino({ level });
