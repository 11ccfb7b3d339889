/**
 * Loaded with `node --import` into the CLI processes the integration tests
 * start (test/helpers/cli.ts): every command an AWS SDK client sends is checked
 * against AWS's published API model (check.mjs) before it goes out. A request
 * that does not conform is written to the log in S3REPL_CONFORMANCE_LOG and
 * fails with an error, so the CLI run fails; every checked request is logged
 * too, so the suite can show that requests were checked at all.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { checkRequest, SERVICES } from './check.mjs';

const log = process.env.S3REPL_CONFORMANCE_LOG;
const require = createRequire(import.meta.url);
const { Client } = require('@smithy/core/client');
const send = Client.prototype.send;

Client.prototype.send = function (command, ...rest) {
  const service = SERVICES[this.constructor.name] ?? this.constructor.name;
  const operation = command.constructor.name.replace(/Command$/, '');
  const violations = checkRequest(service, operation, command.input);
  if (log) appendFileSync(log, JSON.stringify({ service, operation, violations }) + '\n');
  if (violations.length) {
    const e = new Error(`request conformance: ${service}:${operation} does not match AWS's API model:\n  ${violations.join('\n  ')}`);
    e.name = 'RequestConformanceError';
    const cb = rest.find((r) => typeof r === 'function');
    if (cb) return cb(e);
    return Promise.reject(e);
  }
  return send.call(this, command, ...rest);
};
