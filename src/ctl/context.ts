import type { Datastore } from '../datastore/datastore.js';

/**
 * CtlContext is what every calicoctl command module receives. Command modules
 * export `register<Name>Command(program: Command, ctx: CtlContext): void`
 * (commander's Command) and are wired in `src/ctl/main.ts`.
 * Errors: throw CalicoError (the main maps it to a message and exit code 1).
 */
export interface CtlContext {
  /** The datastore chosen by `--config FILE` / environment (opened once, cached). */
  datastore(): Promise<Datastore>;
  /** Write to standard output (a trailing newline is NOT added). */
  stdout(text: string): void;
  /** Write to standard error (a trailing newline is NOT added). */
  stderr(text: string): void;
}
