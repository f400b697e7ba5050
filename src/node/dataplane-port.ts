/**
 * The agent's view of the internal dataplane (src/dataplane/int-dataplane.ts,
 * written by the dataplane owners): `onMessages` is cheap and does no I/O;
 * `apply` programs the kernel (read, diff, apply); `resync` re-reads the
 * kernel and repairs; `stop` releases resources and leaves the programmed
 * state in place (a restarted agent adopts it).
 *
 * Loaded at run time so the agent builds and its unit tests run without it;
 * tests inject a recording fake through AgentOptions.dataplaneFactory.
 */
import type { DataplaneMsg } from '../dataplane/model/index.js';
import { CalicoError } from '../lib/errors.js';
import type { AgentConfig, DataplaneKind } from './config.js';

export interface ApplyStats {
  readonly [k: string]: unknown;
}

export interface IntDataplane {
  onMessages(msgs: readonly DataplaneMsg[]): void;
  apply(): Promise<ApplyStats | void>;
  resync(): Promise<void>;
  stop(): Promise<void>;
}

export interface DataplaneFactoryOptions {
  readonly driver: DataplaneKind;
  readonly hostname: string;
  readonly config: AgentConfig;
}

export type DataplaneFactory = (opts: DataplaneFactoryOptions) => IntDataplane | Promise<IntDataplane>;

interface IntDataplaneModule {
  createIntDataplane(opts: { driver: DataplaneKind; hostname: string; config: unknown }): IntDataplane;
}

/** The real dataplane, from dist/dataplane/int-dataplane.js. */
export const defaultDataplaneFactory: DataplaneFactory = async (opts) => {
  const path = '../dataplane/int-dataplane.js';
  let mod: IntDataplaneModule;
  try {
    mod = (await import(path)) as IntDataplaneModule;
  } catch (e) {
    throw new CalicoError('CALICO_ERR_UNSUPPORTED', `the internal dataplane (dataplane/int-dataplane.js) is not available: ${(e as Error).message}`, { cause: e });
  }
  return mod.createIntDataplane({ driver: opts.driver, hostname: opts.hostname, config: opts.config });
};
