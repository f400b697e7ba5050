import type { Datastore } from '../datastore/datastore.js';

/**
 * CtlContext is what every calicoctl command module receives. Command modules
 * export `register<Name>Command(program: Command, ctx: CtlContext): void`
 * (commander's Command) and are wired in `src/ctl/main.ts`.
 * Errors: throw CalicoError (the main maps it to a message and exit code 1).
 *
 * The datastore is chosen by the command's `-c/--config FILE` (main reads it
 * from the command's options before the action runs) or the environment, and
 * opened on first use only, so offline commands (`validate`, `version
 * --client`) never touch it.
 */
export interface CtlContext {
  /** The datastore chosen by `--config FILE` / environment (opened once, cached). */
  datastore(): Promise<Datastore>;
  /** Write to standard output (a trailing newline is NOT added). */
  stdout(text: string): void;
  /** Write to standard error (a trailing newline is NOT added). */
  stderr(text: string): void;
  /** All of standard input (for `-f -`). */
  readStdin?(): Promise<string>;
  /** Environment the command runs with (defaults to process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** What main() needs from the outside world; tests pass their own. */
export interface CtlIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
  /** Use this datastore instead of opening one from config (tests). Not closed by main. */
  datastore?: Datastore;
}

/**
 * DefaultCtlContext opens the datastore lazily through the datastore
 * configuration (CalicoAPIConfig file or env) and closes it at the end.
 */
export class DefaultCtlContext implements CtlContext {
  private opened: Promise<Datastore> | undefined;
  private configFile: string | undefined;

  constructor(private readonly io: CtlIO) {}

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  /** Set by main from the running command's `--config` before its action. */
  useConfigFile(path: string | undefined): void {
    this.configFile = path;
  }

  datastore(): Promise<Datastore> {
    if (this.io.datastore) return Promise.resolve(this.io.datastore);
    this.opened ??= (async () => {
      const { openDatastoreFromEnv } = await import('../datastore/config.js');
      return openDatastoreFromEnv({ configFile: this.configFile, env: this.io.env });
    })();
    return this.opened;
  }

  /** True once a command asked for the datastore (and so `close()` has work to do). */
  get datastoreOpened(): boolean {
    return this.opened !== undefined;
  }

  stdout(text: string): void {
    this.io.stdout(text);
  }

  stderr(text: string): void {
    this.io.stderr(text);
  }

  readStdin(): Promise<string> {
    return this.io.readStdin();
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    const ds = await this.opened.catch(() => undefined);
    this.opened = undefined;
    await ds?.close();
  }
}
