/**
 * Errors a user can cause are values with a clear message (and a hint), never
 * stack traces. The CLI prints `UserError`s plainly and exits 1; anything else is
 * a bug and shows its stack only with `--debug`.
 */
export class UserError extends Error {
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UserError';
    this.hint = hint;
  }
}
