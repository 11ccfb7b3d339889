/** s3repl's version, recorded in plans and state. Kept equal to package.json by a test. */
export const VERSION = '0.1.0';
