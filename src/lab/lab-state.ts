/**
 * The lab's state directory (/run/calico-lab/<name>/ by default, or
 * $CALICO_LAB_STATE_DIR/<name>/): state.json says which netns, processes and
 * files belong to the lab, so later commands (status, probe, apply, down)
 * find it. It is rewritten after every object `up` creates, so an `up`
 * killed at any point leaves a record `down` can clean from.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalicoError } from '../lib/errors.js';
import type { TopologyPort } from './topology.js';

export type Dataplane = 'nftables' | 'iptables';
/** `static` is the FALLBACK: one L2 underlay plus static routes to each node's affine blocks. */
export type NetworkMode = 'static' | 'vxlan' | 'bgp';
export type DatastoreKind = 'sqlite' | 'etcd';

export interface LabNode {
  readonly name: string;
  readonly netns: string;
  readonly underlayIPv4: string;
  readonly underlayIPv6?: string;
  /** The node's calico-node agent, once started. */
  agentPid?: number;
  /** With etcd: the relay to the lab's etcd inside the node netns. */
  etcdRelayPid?: number;
}

export interface LabPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly netns: string;
  readonly containerId: string;
  ips: string[];
  labels: Record<string, string>;
  readonly ports: readonly TopologyPort[];
  serverPid?: number;
}

export interface LabState {
  readonly name: string;
  readonly prefix: string;
  readonly stateDir: string;
  readonly dataplane: Dataplane;
  readonly network: NetworkMode;
  readonly datastore: DatastoreKind;
  readonly ipv6: boolean;
  readonly underlayNetns: string;
  readonly sqlitePath?: string;
  etcd?: { pid: number; endpoints: string[]; dataDir: string };
  /** calicoctl config file (CalicoAPIConfig) for this lab's datastore. */
  readonly calicoctlConfig: string;
  readonly nodes: LabNode[];
  readonly pods: LabPod[];
  /** Set once `up` finished; a lab without it is half-built. */
  ready: boolean;
  readonly createdAt: string;
}

const LAB_NAME = /^[a-z0-9][a-z0-9-]{0,11}$/;

export function checkLabName(name: string): string {
  if (!LAB_NAME.test(name)) {
    throw new CalicoError('CALICO_ERR_USAGE', `--name ${JSON.stringify(name)}: must be 1-12 lower-case alphanumerics or "-", starting alphanumeric`);
  }
  return name;
}

/** Every kernel object of a lab carries this prefix ("." never occurs in a lab name, so prefixes never nest). */
export function labPrefix(name: string): string {
  return `cl-${name}.`;
}

export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env['CALICO_LAB_STATE_DIR'] || '/run/calico-lab';
}

export function labStateDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateRoot(env), name);
}

export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

/** Writes state.json atomically (rename), so a reader never sees half a file. */
export function saveState(state: LabState): void {
  mkdirSync(state.stateDir, { recursive: true });
  const tmp = `${statePath(state.stateDir)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, statePath(state.stateDir));
}

export function readState(dir: string): LabState | undefined {
  const p = statePath(dir);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LabState;
  } catch (e) {
    throw new CalicoError('CALICO_ERR_USAGE', `lab state ${p} is unreadable: ${(e as Error).message}`);
  }
}

/** The state of a lab that `up` finished; a clear error otherwise. */
export function requireLab(name: string, env: NodeJS.ProcessEnv = process.env): LabState {
  const st = readState(labStateDir(name, env));
  if (!st) throw new CalicoError('CALICO_ERR_NOT_FOUND', `no lab named ${JSON.stringify(name)} (run: calico-lab up --name ${name})`);
  if (!st.ready) throw new CalicoError('CALICO_ERR_USAGE', `lab ${JSON.stringify(name)} is not fully up (run: calico-lab down --name ${name}, then up again)`);
  return st;
}

/** Netns name of a node / pod / the underlay. Pod netns names carry namespace and name (both DNS labels). */
export function nodeNetns(prefix: string, node: string): string {
  return `${prefix}n.${node}`;
}

export function podNetns(prefix: string, namespace: string, pod: string): string {
  return `${prefix}p.${namespace}.${pod}`;
}

export function underlayNetns(prefix: string): string {
  return `${prefix}underlay`;
}
