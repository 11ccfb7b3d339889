/**
 * Puts the request conformance check (check.mjs) on every AWS SDK handler
 * resolved in this process: each command a handler is called with is checked
 * against AWS's API model first, logged to `log` (a JSON line per request, when
 * given), and refused when it does not conform. The SDK's own `send` resolves a
 * handler per call and s3repl keeps resolved handlers for reuse
 * (src/aws/clients.ts): both resolve them here. Returns what takes it off again.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { checkRequest, SERVICES } from './check.mjs';

const { Command } = createRequire(import.meta.url)('@smithy/core/client');

export function installRequestCheck(log) {
  const resolve = Command.prototype.resolveMiddlewareWithContext;
  Command.prototype.resolveMiddlewareWithContext = function (clientStack, configuration, options, context) {
    const handler = resolve.call(this, clientStack, configuration, options, context);
    const service = SERVICES[context.clientName] ?? context.clientName;
    return (command, ...rest) => {
      const operation = command.constructor.name.replace(/Command$/, '');
      const violations = checkRequest(service, operation, command.input);
      if (log) appendFileSync(log, `${JSON.stringify({ service, operation, violations })}\n`);
      if (violations.length) {
        const e = new Error(`request conformance: ${service}:${operation} does not match AWS's API model:\n  ${violations.join('\n  ')}`);
        e.name = 'RequestConformanceError';
        return Promise.reject(e);
      }
      return handler(command, ...rest);
    };
  };
  return () => {
    Command.prototype.resolveMiddlewareWithContext = resolve;
  };
}
