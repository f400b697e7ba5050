/**
 * DesiredState: the whole dataplane model as maps, and `applyMessage` to fold
 * a DataplaneMsg stream into it. Dataplanes may keep one to diff against the
 * kernel; tests and the simulator use it to compare and evaluate states.
 */
import { CalicoError } from '../../lib/errors.js';
import { hostEndpointKey, policyKey, profileKey, workloadEndpointKey } from './ids.js';
import type { IpSetId } from './ids.js';
import type {
  DataplaneMsg,
  IpSetType,
  ModelConfig,
  ModelHostEndpoint,
  ModelPolicy,
  ModelProfile,
  ModelWorkloadEndpoint,
} from './types.js';

export interface IpSetState {
  readonly type: IpSetType;
  readonly members: Set<string>;
}

export interface DesiredState {
  config: ModelConfig | null;
  readonly ipSets: Map<IpSetId, IpSetState>;
  /** By policyKey(). */
  readonly policies: Map<string, ModelPolicy>;
  /** By profile name. */
  readonly profiles: Map<string, ModelProfile>;
  /** By workloadEndpointKey() = `namespace/name`. */
  readonly workloadEndpoints: Map<string, ModelWorkloadEndpoint>;
  /** By host endpoint name. */
  readonly hostEndpoints: Map<string, ModelHostEndpoint>;
  inSync: boolean;
}

export function emptyDesiredState(): DesiredState {
  return {
    config: null,
    ipSets: new Map(),
    policies: new Map(),
    profiles: new Map(),
    workloadEndpoints: new Map(),
    hostEndpoints: new Map(),
    inSync: false,
  };
}

function broken(msg: string): never {
  // A message that does not fit the state is a producer bug, never user input.
  throw new CalicoError('CALICO_ERR_UNSUPPORTED', `dataplane model stream out of order: ${msg}`);
}

/** Applies one message. Throws on a delta to an unknown IP set or a remove of an unknown object. */
export function applyMessage(state: DesiredState, msg: DataplaneMsg): void {
  switch (msg.kind) {
    case 'ConfigUpdate':
      state.config = msg.config;
      return;
    case 'IpSetUpdate':
      state.ipSets.set(msg.id, { type: msg.type, members: new Set(msg.members) });
      return;
    case 'IpSetDeltaUpdate': {
      const set = state.ipSets.get(msg.id) ?? broken(`delta for unknown IP set ${msg.id}`);
      for (const m of msg.removed) set.members.delete(m);
      for (const m of msg.added) set.members.add(m);
      return;
    }
    case 'IpSetRemove':
      if (!state.ipSets.delete(msg.id)) broken(`remove of unknown IP set ${msg.id}`);
      return;
    case 'ActivePolicyUpdate':
      state.policies.set(policyKey(msg.id), msg.policy);
      return;
    case 'ActivePolicyRemove':
      if (!state.policies.delete(policyKey(msg.id))) broken(`remove of unknown policy ${policyKey(msg.id)}`);
      return;
    case 'ActiveProfileUpdate':
      state.profiles.set(profileKey(msg.id), msg.profile);
      return;
    case 'ActiveProfileRemove':
      if (!state.profiles.delete(profileKey(msg.id))) broken(`remove of unknown profile ${msg.id.name}`);
      return;
    case 'WorkloadEndpointUpdate':
      state.workloadEndpoints.set(workloadEndpointKey(msg.id), msg.endpoint);
      return;
    case 'WorkloadEndpointRemove':
      if (!state.workloadEndpoints.delete(workloadEndpointKey(msg.id))) {
        broken(`remove of unknown workload endpoint ${workloadEndpointKey(msg.id)}`);
      }
      return;
    case 'HostEndpointUpdate':
      state.hostEndpoints.set(hostEndpointKey(msg.id), msg.endpoint);
      return;
    case 'HostEndpointRemove':
      if (!state.hostEndpoints.delete(hostEndpointKey(msg.id))) broken(`remove of unknown host endpoint ${msg.id.name}`);
      return;
    case 'InSync':
      state.inSync = true;
      return;
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
}

export function applyMessages(state: DesiredState, msgs: Iterable<DataplaneMsg>): DesiredState {
  for (const m of msgs) applyMessage(state, m);
  return state;
}

/**
 * Dangling references in a state: IP sets used by policies/profiles that do not
 * exist, policies/profiles named by endpoints that are not active. A state
 * produced by the calc graph after any flush has none.
 */
export function danglingReferences(state: DesiredState): string[] {
  const out: string[] = [];
  const checkRules = (owner: string, rules: ModelPolicy['inboundRules']): void => {
    for (const r of rules) {
      for (const ids of [
        r.srcIpSetIds, r.notSrcIpSetIds, r.dstIpSetIds, r.notDstIpSetIds,
        r.srcNamedPortIpSetIds, r.notSrcNamedPortIpSetIds, r.dstNamedPortIpSetIds, r.notDstNamedPortIpSetIds,
      ]) {
        for (const id of ids ?? []) if (!state.ipSets.has(id)) out.push(`${owner} uses missing IP set ${id}`);
      }
    }
  };
  for (const [k, p] of state.policies) {
    checkRules(`policy ${k}`, p.inboundRules);
    checkRules(`policy ${k}`, p.outboundRules);
  }
  for (const [k, p] of state.profiles) {
    checkRules(`profile ${k}`, p.inboundRules);
    checkRules(`profile ${k}`, p.outboundRules);
  }
  const checkEndpoint = (owner: string, ep: ModelWorkloadEndpoint | ModelHostEndpoint): void => {
    const tierLists = 'untrackedTiers' in ep
      ? [ep.tiers, ep.untrackedTiers, ep.preDnatTiers, ep.forwardTiers, ep.stagedTiers]
      : [ep.tiers, ep.stagedTiers];
    for (const tiers of tierLists) {
      for (const t of tiers) {
        for (const id of [...t.ingressPolicies, ...t.egressPolicies]) {
          if (!state.policies.has(policyKey(id))) out.push(`${owner} uses inactive policy ${policyKey(id)}`);
        }
      }
    }
    for (const p of ep.profileIds) if (!state.profiles.has(p)) out.push(`${owner} uses inactive profile ${p}`);
  };
  for (const [k, ep] of state.workloadEndpoints) checkEndpoint(`workload endpoint ${k}`, ep);
  for (const [k, ep] of state.hostEndpoints) checkEndpoint(`host endpoint ${k}`, ep);
  return out;
}

/** A plain, key-sorted JSON-able form of a state: equal states give equal JSON. */
export function snapshotOf(state: DesiredState): Record<string, unknown> {
  const sortedMap = <V>(m: Map<string, V>, f: (v: V) => unknown = (v) => v): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const k of [...m.keys()].sort()) o[k] = f(m.get(k) as V);
    return o;
  };
  return {
    config: state.config,
    ipSets: sortedMap(state.ipSets, (s) => ({ type: s.type, members: [...s.members].sort() })),
    policies: sortedMap(state.policies),
    profiles: sortedMap(state.profiles),
    workloadEndpoints: sortedMap(state.workloadEndpoints),
    hostEndpoints: sortedMap(state.hostEndpoints),
    inSync: state.inSync,
  };
}

/** Canonical JSON with object keys sorted at every level. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) if (o[k] !== undefined) sorted[k] = o[k];
      return sorted;
    }
    return val;
  });
}

export function statesEqual(a: DesiredState, b: DesiredState): boolean {
  return canonicalJson(snapshotOf(a)) === canonicalJson(snapshotOf(b));
}

/**
 * The messages that build `state` from empty, in dependency order: what a
 * dataplane needs after a restart, or to replay a state into another consumer.
 */
export function messagesForState(state: DesiredState): DataplaneMsg[] {
  const out: DataplaneMsg[] = [];
  if (state.config) out.push({ kind: 'ConfigUpdate', config: state.config });
  for (const [id, s] of state.ipSets) out.push({ kind: 'IpSetUpdate', id, type: s.type, members: [...s.members].sort() });
  for (const p of state.policies.values()) out.push({ kind: 'ActivePolicyUpdate', id: p.id, policy: p });
  for (const p of state.profiles.values()) out.push({ kind: 'ActiveProfileUpdate', id: p.id, profile: p });
  for (const ep of state.workloadEndpoints.values()) out.push({ kind: 'WorkloadEndpointUpdate', id: ep.id, endpoint: ep });
  for (const ep of state.hostEndpoints.values()) out.push({ kind: 'HostEndpointUpdate', id: ep.id, endpoint: ep });
  if (state.inSync) out.push({ kind: 'InSync' });
  return out;
}
