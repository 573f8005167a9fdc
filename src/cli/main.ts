#!/usr/bin/env node
/**
 * The `teamstream` command (the package's bin): runs a team config in the terminal. With the
 * standard OTEL_* variables (as for the server, src/observability/tracing.ts) the run's spans are
 * exported, and flushed before the command exits; off otherwise. It has no metrics and no
 * structured log: it is one run in a terminal.
 */
import { startTracing } from '../observability/tracing.js';
import { USAGE, parseCommand } from './args.js';
import { EXIT, runCommand } from './run-command.js';

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return EXIT.ok;
    case 'usage-error':
      process.stderr.write(`teamstream: ${command.message}\n\n${USAGE}`);
      return EXIT.usage;
    case 'run': {
      const tracing = await startTracing(process.env);
      try {
        return await runCommand({
          ...command,
          env: process.env,
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
          onInterrupt: (handler) => {
            process.on('SIGINT', handler);
            return () => process.off('SIGINT', handler);
          },
        });
      } finally {
        // Exports the spans still buffered (the run span ends last); never rejects.
        await tracing?.shutdown();
      }
    }
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    // Leave when done even if an abandoned tool call or a stdin reader still holds the event loop.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    process.stderr.write(`teamstream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
