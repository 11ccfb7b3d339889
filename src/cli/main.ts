#!/usr/bin/env node
/** The `s3repl` executable. The program itself is in app.ts (main), so tests can run it in-process. */
import { hideBin } from 'yargs/helpers';
import { main } from './app.js';
import { makeOutput, reportError } from './output.js';

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e, makeOutput({ debug: true }));
  },
);
