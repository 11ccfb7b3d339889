#!/usr/bin/env node
/** The `s3repl` executable. The program itself is in app.ts (main), so tests can run it in-process. */
// The SDK warns on Node 20 about its releases after January 2027; s3repl pins its
// SDK version in package-lock.json, so the warning is noise on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { hideBin } from 'yargs/helpers';
import { main } from './app.js';
import { boundHeapGrowth } from './heap.js';
import { makeOutput, reportError } from './output.js';

boundHeapGrowth();

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e, makeOutput({ debug: true }));
  },
);
