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
import type { Logger } from './logger.js';

export interface ApplyStats {
  readonly [k: string]: unknown;
}

/**
 * IP pool messages for the dataplane's natOutgoing masquerade (structurally
 * the dataplane's own IpPoolMsg, src/dataplane/managers/pool-msg.ts): kept out
 * of the policy model; the agent derives them from IPPool updates. `id` is the CIDR.
 */
export type IpPoolMsg =
  | { readonly kind: 'IpPoolUpdate'; readonly id: string; readonly pool: { readonly cidr: string; readonly natOutgoing: boolean; readonly disabled?: boolean } }
  | { readonly kind: 'IpPoolRemove'; readonly id: string };

export type AgentDataplaneMsg = DataplaneMsg | IpPoolMsg;

export interface IntDataplane {
  onMessages(msgs: readonly AgentDataplaneMsg[]): void;
  apply(): Promise<ApplyStats | void>;
  resync(): Promise<void>;
  stop(): Promise<void>;
}

export interface DataplaneFactoryOptions {
  readonly driver: DataplaneKind;
  readonly hostname: string;
  readonly config: AgentConfig;
  readonly log?: Logger;
}

export type DataplaneFactory = (opts: DataplaneFactoryOptions) => IntDataplane | Promise<IntDataplane>;

interface IntDataplaneModule {
  createIntDataplane(opts: { driver: DataplaneKind; hostname: string; log?: Logger; iptablesBackend?: 'auto' | 'legacy' | 'nft' }): IntDataplane;
}

const BACKENDS: Readonly<Record<string, 'auto' | 'legacy' | 'nft'>> = { Auto: 'auto', Legacy: 'legacy', NFT: 'nft' };

/** The real dataplane, from dist/dataplane/int-dataplane.js. */
export const defaultDataplaneFactory: DataplaneFactory = async (opts) => {
  const path = '../dataplane/int-dataplane.js';
  let mod: IntDataplaneModule;
  try {
    mod = (await import(path)) as IntDataplaneModule;
  } catch (e) {
    throw new CalicoError('CALICO_ERR_UNSUPPORTED', `the internal dataplane (dataplane/int-dataplane.js) is not available: ${(e as Error).message}`, { cause: e });
  }
  const backend = BACKENDS[String(opts.config.params['IptablesBackend'])] ?? 'auto';
  return mod.createIntDataplane({ driver: opts.driver, hostname: opts.hostname, iptablesBackend: backend, ...(opts.log ? { log: opts.log } : {}) });
};
