/**
 * Loaded with `node --import` into the CLI processes the integration tests
 * start (test/helpers/cli.ts): every command an AWS SDK client sends is checked
 * against AWS's published API model (check.mjs) before it goes out. A request
 * that does not conform is written to the log in S3REPL_CONFORMANCE_LOG and
 * fails with an error, so the CLI run fails; every checked request is logged
 * too, so the suite can show that requests were checked at all.
 */
import { installRequestCheck } from './install.mjs';

installRequestCheck(process.env.S3REPL_CONFORMANCE_LOG);
