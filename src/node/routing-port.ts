/**
 * The agent's view of inter-node routing (src/routing, written by the
 * routing owners): `startRouting({ds, hostname, netns?, underlayInterface?,
 * log?})` watches IPPools, Nodes and IPAM blocks itself and programs VXLAN
 * or BGP (BIRD). Loaded at run time, like the dataplane.
 *
 * CALICO_NETWORKING_BACKEND as calico-node reads it: `bird` or `vxlan`
 * requires routing, `none` disables it; unset runs it when it is installed.
 * IP_AUTODETECTION_METHOD=interface=<name> names the underlay interface.
 */
import type { Datastore } from '../datastore/datastore.js';
import { CalicoError } from '../lib/errors.js';
import type { Logger } from './logger.js';

export interface RoutingHandle {
  stop(): Promise<void>;
}

export interface RoutingStartOptions {
  readonly ds: Datastore;
  readonly hostname: string;
  readonly underlayInterface?: string;
  readonly log?: Logger;
}

export type RoutingStarter = (opts: RoutingStartOptions) => Promise<RoutingHandle>;

export type RoutingMode = 'required' | 'disabled' | 'auto';

export function routingModeFromEnv(env: NodeJS.ProcessEnv): RoutingMode {
  const v = (env['CALICO_NETWORKING_BACKEND'] ?? '').toLowerCase();
  if (v === '') return 'auto';
  if (v === 'none') return 'disabled';
  if (v === 'bird' || v === 'vxlan') return 'required';
  throw new CalicoError('CALICO_ERR_CONFIG', `CALICO_NETWORKING_BACKEND: invalid value ${JSON.stringify(env['CALICO_NETWORKING_BACKEND'])}: must be bird, vxlan or none`);
}

/** The interface named by IP_AUTODETECTION_METHOD=interface=<name>, if that form is used. */
export function underlayInterfaceFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const m = /^interface=(.+)$/.exec(env['IP_AUTODETECTION_METHOD'] ?? '');
  return m ? m[1]!.split(',')[0] : undefined;
}

interface RoutingModule {
  startRouting: RoutingStarter;
}

/** The real routing starter, or null when src/routing is not built/installed. */
export async function loadRoutingStarter(): Promise<RoutingStarter | null> {
  const path = '../routing/index.js';
  try {
    const mod = (await import(path)) as Partial<RoutingModule>;
    return typeof mod.startRouting === 'function' ? mod.startRouting : null;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes('routing/index.js')) return null;
    throw e;
  }
}
