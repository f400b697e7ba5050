/**
 * Lifecycle: the agent's named components with declared dependencies.
 * `register` checks the declaration at wiring time (unique name, every
 * dependency already registered, hence no cycles) and throws
 * CALICO_ERR_CONFIG; `start` starts components in registration order
 * (which is a dependency order) and, if one fails, stops the started ones in
 * reverse before rethrowing; `stop` stops in reverse start order and keeps
 * going past failures, reporting them together. A stop during start (e.g.
 * SIGTERM while the syncer still waits for the datastore) also stops the
 * component that is starting, and no further component starts.
 */
import { CalicoError } from '../lib/errors.js';

export interface Component {
  readonly name: string;
  readonly dependsOn?: readonly string[];
  start(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

export class Lifecycle {
  private readonly components: Component[] = [];
  private readonly started: Component[] = [];
  private stopping: Promise<void> | undefined;
  private current: Component | undefined;
  private currentStopped = false;
  private aborted = false;

  constructor(private readonly onEvent: (event: 'starting' | 'started' | 'stopping' | 'stopped', name: string) => void = () => undefined) {}

  register(c: Component): this {
    if (this.components.some((x) => x.name === c.name)) throw new CalicoError('CALICO_ERR_CONFIG', `component "${c.name}" registered twice`);
    for (const d of c.dependsOn ?? []) {
      if (!this.components.some((x) => x.name === d)) {
        throw new CalicoError('CALICO_ERR_CONFIG', `component "${c.name}" depends on "${d}", which is not registered before it`);
      }
    }
    if (this.started.length > 0) throw new CalicoError('CALICO_ERR_CONFIG', `component "${c.name}" registered after start`);
    this.components.push(c);
    return this;
  }

  /** Names in start order. */
  order(): string[] {
    return this.components.map((c) => c.name);
  }

  /** Names of the components currently started, in start order. */
  running(): string[] {
    return this.started.map((c) => c.name);
  }

  /** Starts every component in order; resolves early (without error) if stop() is called meanwhile. */
  async start(): Promise<void> {
    this.aborted = false;
    for (const c of this.components) {
      if (this.aborted) return;
      this.onEvent('starting', c.name);
      this.current = c;
      this.currentStopped = false;
      try {
        await c.start();
      } catch (e) {
        this.current = undefined;
        if (this.aborted) return;
        await this.stop().catch(() => undefined);
        throw e;
      }
      this.current = undefined;
      if (this.aborted) {
        if (!this.currentStopped) await c.stop?.();
        return;
      }
      this.started.push(c);
      this.onEvent('started', c.name);
    }
  }

  /** Stops everything started, in reverse order. Idempotent; concurrent calls share one stop. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll().finally(() => { this.stopping = undefined; });
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    const errors: unknown[] = [];
    this.aborted = true;
    const starting = this.current;
    if (starting !== undefined && !this.currentStopped) {
      this.currentStopped = true;
      this.onEvent('stopping', starting.name);
      try {
        await starting.stop?.();
      } catch (e) {
        errors.push(e);
      }
    }
    while (this.started.length > 0) {
      const c = this.started.pop()!;
      this.onEvent('stopping', c.name);
      try {
        await c.stop?.();
      } catch (e) {
        errors.push(e);
      }
      this.onEvent('stopped', c.name);
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} components failed to stop`);
  }
}
