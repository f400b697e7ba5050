/**
 * EventSequencer: coalesces the graph's outputs per key and flushes them in
 * dependency order (felix/calc/event_sequencer.go):
 *   config -> IP set creates -> IP set deltas -> policies -> profiles ->
 *   endpoint updates -> endpoint removes -> profile removes -> policy removes ->
 *   IP set removes -> InSync
 * so a consumer applying a batch in order never sees a dangling reference.
 * At most one pending entry per key; an add cancels a pending remove; an
 * update identical to what was last sent is dropped.
 */
import type {
  DataplaneMsg,
  IpSetId,
  IpSetType,
  ModelConfig,
  ModelHostEndpoint,
  ModelPolicy,
  ModelProfile,
  ModelWorkloadEndpoint,
  PolicyId,
} from '../dataplane/model/index.js';
import { canonicalJson } from '../dataplane/model/index.js';
import type { IpSetListener } from './ip-set-member-index.js';
import type { ResolvedEndpointListener } from './policy-resolver.js';
import type { RuleScannerListener } from './rule-scanner.js';

/**
 * What is kept of a sent value to recognise an identical resend: a 64-bit
 * hash (two independent 32-bit lanes) and the length of its JSON, ~20
 * characters instead of the whole text (at 10k endpoints the JSON alone was
 * ~14 MB of heap). Plain JSON.stringify, not canonical JSON: values equal
 * but built in another key order only cost a redundant resend, never a
 * dropped change; a wrongly dropped change needs a 64-bit collision on the
 * same key with the same length.
 */
function sentDigest(v: unknown): string {
  const text = JSON.stringify(v);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}.${text.length.toString(36)}`;
}

/** Pending update-or-remove per key, skipping updates equal to the last one sent. */
class KeyedPending<V> {
  private readonly sentDigest = new Map<string, string>();
  readonly updates = new Map<string, V>();
  readonly removes = new Map<string, unknown>();

  update(key: string, v: V): void {
    this.removes.delete(key);
    this.updates.set(key, v);
  }

  remove(key: string, id: unknown): void {
    this.updates.delete(key);
    if (this.sentDigest.has(key)) this.removes.set(key, id);
  }

  /** Drains: returns [updates actually changed, removes]. */
  drain(): [V[], unknown[]] {
    const ups: V[] = [];
    for (const [k, v] of this.updates) {
      const d = sentDigest(v);
      if (this.sentDigest.get(k) === d) continue;
      this.sentDigest.set(k, d);
      ups.push(v);
    }
    const rms = [...this.removes.values()];
    for (const k of this.removes.keys()) this.sentDigest.delete(k);
    this.updates.clear();
    this.removes.clear();
    return [ups, rms];
  }
}

export class EventSequencer implements IpSetListener, RuleScannerListener, ResolvedEndpointListener {
  private pendingConfig: ModelConfig | null = null;
  private sentConfigJson = '';
  /** IP sets the consumer has (or will have after this flush's creates). */
  private readonly sentIpSets = new Set<IpSetId>();
  private readonly pendingCreates = new Map<IpSetId, { type: IpSetType; members: Set<string> }>();
  private readonly pendingAdds = new Map<IpSetId, Set<string>>();
  private readonly pendingDels = new Map<IpSetId, Set<string>>();
  private readonly pendingIpSetRemoves = new Set<IpSetId>();
  private readonly policies = new KeyedPending<ModelPolicy>();
  private readonly profiles = new KeyedPending<ModelProfile>();
  private readonly weps = new KeyedPending<ModelWorkloadEndpoint>();
  private readonly heps = new KeyedPending<ModelHostEndpoint>();
  private inSyncPending = false;
  private inSyncSent = false;

  onConfig(config: ModelConfig): void {
    this.pendingConfig = config;
  }

  onInSync(): void {
    if (!this.inSyncSent) this.inSyncPending = true;
  }

  onIpSetAdded(id: IpSetId, type: IpSetType): void {
    this.pendingIpSetRemoves.delete(id);
    this.pendingAdds.delete(id);
    this.pendingDels.delete(id);
    // Created (or re-created) in this batch: sent whole, replacing any old content.
    this.pendingCreates.set(id, { type, members: new Set() });
  }

  onIpSetRemoved(id: IpSetId): void {
    this.pendingCreates.delete(id);
    this.pendingAdds.delete(id);
    this.pendingDels.delete(id);
    if (this.sentIpSets.has(id)) this.pendingIpSetRemoves.add(id);
  }

  onIpSetMemberAdded(id: IpSetId, m: string): void {
    const c = this.pendingCreates.get(id);
    if (c) return void c.members.add(m);
    if (this.pendingDels.get(id)?.delete(m)) return;
    let s = this.pendingAdds.get(id);
    if (!s) this.pendingAdds.set(id, (s = new Set()));
    s.add(m);
  }

  onIpSetMemberRemoved(id: IpSetId, m: string): void {
    const c = this.pendingCreates.get(id);
    if (c) return void c.members.delete(m);
    if (this.pendingAdds.get(id)?.delete(m)) return;
    let s = this.pendingDels.get(id);
    if (!s) this.pendingDels.set(id, (s = new Set()));
    s.add(m);
  }

  onPolicyActive(p: ModelPolicy): void {
    this.policies.update(keyOfPolicy(p.id), p);
  }

  onPolicyInactive(id: PolicyId): void {
    this.policies.remove(keyOfPolicy(id), id);
  }

  onProfileActive(p: ModelProfile): void {
    this.profiles.update(p.id.name, p);
  }

  onProfileInactive(name: string): void {
    this.profiles.remove(name, { name });
  }

  onWorkloadEndpoint(key: string, ep: ModelWorkloadEndpoint | null): void {
    if (ep) this.weps.update(key, ep);
    else this.weps.remove(key, { namespace: key.slice(0, key.indexOf('/')), name: key.slice(key.indexOf('/') + 1) });
  }

  onHostEndpoint(key: string, ep: ModelHostEndpoint | null): void {
    if (ep) this.heps.update(key, ep);
    else this.heps.remove(key, { name: key });
  }

  /** Everything pending, in dependency order. */
  flush(): DataplaneMsg[] {
    const out: DataplaneMsg[] = [];
    if (this.pendingConfig) {
      const j = canonicalJson(this.pendingConfig);
      if (j !== this.sentConfigJson) out.push({ kind: 'ConfigUpdate', config: this.pendingConfig });
      this.sentConfigJson = j;
      this.pendingConfig = null;
    }
    for (const [id, c] of this.pendingCreates) {
      out.push({ kind: 'IpSetUpdate', id, type: c.type, members: [...c.members].sort() });
      this.sentIpSets.add(id);
    }
    const deltaIds = new Set([...this.pendingAdds.keys(), ...this.pendingDels.keys()]);
    for (const id of [...deltaIds].sort()) {
      const added = [...(this.pendingAdds.get(id) ?? [])].sort();
      const removed = [...(this.pendingDels.get(id) ?? [])].sort();
      if (added.length || removed.length) out.push({ kind: 'IpSetDeltaUpdate', id, added, removed });
    }
    const [pols, polRemoves] = this.policies.drain();
    const [profs, profRemoves] = this.profiles.drain();
    const [weps, wepRemoves] = this.weps.drain();
    const [heps, hepRemoves] = this.heps.drain();
    for (const p of pols) out.push({ kind: 'ActivePolicyUpdate', id: p.id, policy: p });
    for (const p of profs) out.push({ kind: 'ActiveProfileUpdate', id: p.id, profile: p });
    for (const e of weps) out.push({ kind: 'WorkloadEndpointUpdate', id: e.id, endpoint: e });
    for (const e of heps) out.push({ kind: 'HostEndpointUpdate', id: e.id, endpoint: e });
    for (const id of wepRemoves) out.push({ kind: 'WorkloadEndpointRemove', id: id as ModelWorkloadEndpoint['id'] });
    for (const id of hepRemoves) out.push({ kind: 'HostEndpointRemove', id: id as ModelHostEndpoint['id'] });
    for (const id of profRemoves) out.push({ kind: 'ActiveProfileRemove', id: id as ModelProfile['id'] });
    for (const id of polRemoves) out.push({ kind: 'ActivePolicyRemove', id: id as PolicyId });
    for (const id of this.pendingIpSetRemoves) {
      out.push({ kind: 'IpSetRemove', id });
      this.sentIpSets.delete(id);
    }
    this.pendingCreates.clear();
    this.pendingAdds.clear();
    this.pendingDels.clear();
    this.pendingIpSetRemoves.clear();
    if (this.inSyncPending) {
      out.push({ kind: 'InSync' });
      this.inSyncPending = false;
      this.inSyncSent = true;
    }
    return out;
  }
}

function keyOfPolicy(id: PolicyId): string {
  return `${id.kind}/${id.namespace ?? ''}/${id.name}`;
}
