import { UsageError } from './cli/args';
import { main } from './cli/main';

/** The CLI's entry point (built to dist/cli.js): exit 2 for a command-line mistake, 1 for a failure. */
await main().then(
  (code) => {
    if (code) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`keyhaven: ${message.replace(/\s*\n\s*/g, ' ')}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
