/**
 * The `calico` CNI plugin (cni-plugin/pkg/plugin + pkg/k8s): ADD allocates
 * addresses (IPAM), builds the veth/routes (LinuxDataplane) and writes the
 * WorkloadEndpoint; DEL undoes all three and succeeds when they are gone;
 * CHECK verifies them against prevResult.
 *
 *   ADD:  config -> identifiers -> IPAM -> kernel -> WorkloadEndpoint -> result
 *           \______ any failure: delete veth, release IPAM, nothing left ______/
 *
 * Workloads: with K8S_POD_NAMESPACE and K8S_POD_NAME in CNI_ARGS the
 * orchestrator is `k8s` (labels, ports, service account from the stored Pod);
 * otherwise `cni`, identified by the container id (podman sends only
 * K8S_POD_NAME).
 */
import { existsSync } from 'node:fs';
import { isCalicoError } from '../lib/errors.js';
import { CniLog } from './cni-log.js';
import {
  addIpam, delIpam, gcIpam, releaseCalicoAddresses, reusableAllocation, type IpamAllocation, type IpamDeps, type IpamWorkload,
} from './ipam-delegate.js';
import {
  allowedSourcePrefixes, ANN_IP_ADDRS, ANN_IP_ADDRS_NO_IPAM, checkPodAnnotations, hwAddrOf, extractIps, floatingIpNats,
} from './pod-annotations.js';
import {
  checkNetworking, cleanUpNamespace, deleteHostVeth, doNetworking, DEFAULT_ROUTES, HOST_VETH_MAC, hostCidr, realKernel, type KernelShim,
} from './linux-dataplane.js';
import { type CalicoNetConf, checkNodenameFile, determineNodename, parseCalicoNetConf } from './netconf.js';
import {
  nameMatches, ORCHESTRATOR_CNI, ORCHESTRATOR_K8S, vethNameForContainer, vethNameForWorkload, workloadEndpointName,
  type WorkloadEndpointIdentifiers,
} from './names.js';
import { LazyDatastore, openPluginDatastore } from './plugin-datastore.js';
import {
  CNI_ERR_INVALID_NETWORK_CONFIG, CNI_ERR_PLUGIN_NOT_AVAILABLE, CNI_ERR_TRY_AGAIN_LATER, CNI_ERR_UNKNOWN_CONTAINER, CniError, parseResult,
  type CmdArgs, type CniInterface, type CniResult, type PluginHandlers,
} from './spec.js';
import {
  deleteWorkloadEndpoint, KIND_NAMESPACE, KIND_POD, KIND_WORKLOAD_ENDPOINT, podInfo, writeWorkloadEndpoint,
  type PodInfo, type WorkloadEndpoint,
} from './workload-endpoint.js';
import type { Datastore } from '../datastore/datastore.js';

/** Identifiers of the workload one invocation is about (utils.WEPIdentifiers). */
export interface WepIds extends WorkloadEndpointIdentifiers {
  namespace: string;
  containerId: string;
  endpoint: string;
}

export function getIdentifiers(args: CmdArgs, nodename: string): WepIds {
  const ns = args.args.get('K8S_POD_NAMESPACE') ?? '';
  const pod = args.args.get('K8S_POD_NAME') ?? '';
  if (ns !== '' && pod !== '') {
    return { node: nodename, orchestrator: ORCHESTRATOR_K8S, namespace: ns, pod, containerId: args.containerId, endpoint: args.ifName };
  }
  return { node: nodename, orchestrator: ORCHESTRATOR_CNI, namespace: 'default', containerId: args.containerId, endpoint: args.ifName };
}

/** What the plugin needs from outside; tests substitute the kernel and datastore. */
export interface CalicoPluginDeps {
  readonly kernel?: KernelShim;
  readonly openDatastore?: (conf: CalicoNetConf) => Promise<Datastore>;
}

interface Invocation {
  conf: CalicoNetConf;
  ids: WepIds;
  ds: LazyDatastore;
  log: CniLog;
}

function jsonList(s: string | undefined, what: string): string[] | undefined {
  if (!s) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch { /* reported below */ }
  throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `failed to parse annotation ${what}: ${s}`);
}

/**
 * Refuses to work while ClusterInformation `default` says the datastore is
 * not ready (an upgrade in progress), as upstream does for ADD and DEL. A
 * missing ClusterInformation is allowed here: nothing in calico-ts requires
 * a node agent to have written it before the first pod.
 */
async function checkDatastoreReady(ds: Datastore): Promise<void> {
  const ci = await ds.get<{ spec?: { datastoreReady?: boolean } }>({ kind: 'ClusterInformation', name: 'default' });
  if (ci?.value.spec?.datastoreReady === false) {
    throw new CniError(CNI_ERR_TRY_AGAIN_LATER, 'Calico is currently not ready to process requests');
  }
}

/** The existing endpoint of this workload, matched on every identifier but the interface (plugin.go). */
async function findExisting(ds: Datastore, ids: WepIds): Promise<WorkloadEndpoint | undefined> {
  const noEndpoint = { ...ids, endpoint: '' };
  const prefix = workloadEndpointName(noEndpoint, true);
  const list = await ds.list<WorkloadEndpoint>({ kind: KIND_WORKLOAD_ENDPOINT, namespace: ids.namespace, namePrefix: prefix });
  return list.items.find((e) => nameMatches(noEndpoint, e.key.name))?.value;
}

/** Routes for the workload: host-local `ipam.routes` when given (plus defaults if asked), else the defaults. */
function workloadRoutes(conf: CalicoNetConf): string[] {
  const custom: string[] = [];
  if (conf.ipam.type === 'host-local' && conf.ipam['routes'] !== undefined) {
    const rs = conf.ipam['routes'];
    if (!Array.isArray(rs)) throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, 'failed to parse host-local IPAM routes section; expecting list');
    for (const r of rs as unknown[]) {
      const dst = (r as { dst?: unknown } | null)?.dst;
      if (dst === undefined) continue;
      if (typeof dst !== 'string' || !dst.includes('/')) throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `invalid IPAM routes section; bad dst ${JSON.stringify(dst)}`);
      custom.push(dst);
    }
  }
  if (custom.length === 0) return [...DEFAULT_ROUTES];
  return conf.includeDefaultRoutes ? [...DEFAULT_ROUTES, ...custom] : custom;
}

/** Creates the network-name profile for non-Kubernetes policy, as plugin.go does (never updates it). */
async function ensureNetworkProfile(ds: Datastore, conf: CalicoNetConf, k8s: boolean): Promise<void> {
  const key = { kind: 'Profile', name: conf.name };
  if (await ds.get(key)) return;
  const ingress = k8s ? [{ action: 'Allow' }] : [{ action: 'Allow', source: { selector: `has(${conf.name})` } }];
  const profile = {
    apiVersion: 'projectcalico.org/v3', kind: 'Profile',
    metadata: { name: conf.name, creationTimestamp: new Date().toISOString() },
    spec: { ingress, egress: [{ action: 'Allow' }], labelsToApply: { [conf.name]: '' } },
  };
  try {
    await ds.create(key, profile);
  } catch (e) {
    if (!isCalicoError(e, 'CALICO_ERR_ALREADY_EXISTS')) throw e;
  }
}

function resultFromEndpoint(wep: WorkloadEndpoint, args: CmdArgs, conf: CalicoNetConf): CniResult {
  return {
    cniVersion: args.cniVersion,
    interfaces: interfacesFor(wep.spec.interfaceName, wep.spec.mac, args, conf),
    ips: wep.spec.ipNetworks.map((a) => ({ address: a, interface: 1 })),
  };
}

/** Host veth first (no sandbox: what bandwidth/portmap look for), then the workload's interface. */
function interfacesFor(hostVeth: string, mac: string, args: CmdArgs, conf: CalicoNetConf): CniInterface[] {
  const cont: CniInterface = { name: args.ifName, mac, sandbox: args.netns };
  if (conf.mtu > 0) cont.mtu = conf.mtu;
  const host: CniInterface = { name: hostVeth, mac: HOST_VETH_MAC };
  if (conf.mtu > 0) host.mtu = conf.mtu;
  return [host, cont];
}

export class CalicoPlugin implements PluginHandlers {
  private readonly kernel: KernelShim;
  private readonly openDs: (conf: CalicoNetConf) => Promise<Datastore>;

  constructor(deps: CalicoPluginDeps = {}) {
    this.kernel = deps.kernel ?? realKernel;
    this.openDs = deps.openDatastore ?? ((conf) => openPluginDatastore(conf.datastore));
  }

  private start(args: CmdArgs): Invocation {
    const conf = parseCalicoNetConf(args.config);
    const dataplane = (conf.raw['dataplane_options'] as { type?: unknown } | undefined)?.type;
    if (dataplane !== undefined && dataplane !== '' && dataplane !== 'linux') {
      // Upstream also offers a gRPC dataplane; only the Linux one exists here.
      throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `invalid dataplane type: ${String(dataplane)}`, 'dataplane_options.type');
    }
    const ids = getIdentifiers(args, determineNodename(conf));
    const log = new CniLog(conf.logLevel, typeof conf.raw['log_file_path'] === 'string' ? conf.raw['log_file_path'] : undefined,
      { command: args.command, containerID: args.containerId, workload: ids.pod ? `${ids.namespace}/${ids.pod}` : args.containerId });
    if (conf.ignoredFields.length) log.debug('config fields accepted but not applicable here', { fields: conf.ignoredFields });
    return { conf, ids, ds: new LazyDatastore(() => this.openDs(conf)), log };
  }

  async add(args: CmdArgs): Promise<CniResult> {
    const inv = this.start(args);
    try {
      return await this.doAdd(args, inv);
    } catch (e) {
      inv.log.error('ADD failed', { error: (e as Error).message });
      throw e;
    } finally {
      await inv.ds.close();
    }
  }

  private async doAdd(args: CmdArgs, { conf, ids, ds: lazy, log }: Invocation): Promise<CniResult> {
    checkNodenameFile(conf);
    if (!existsSync(args.netns)) {
      throw new CniError(CNI_ERR_UNKNOWN_CONTAINER, `netns ${args.netns} does not exist`, args.netns);
    }
    const ds = await lazy.get();
    await checkDatastoreReady(ds);
    const existing = await findExisting(ds, ids);
    const k8s = ids.orchestrator === ORCHESTRATOR_K8S;
    const wepName = existing?.metadata.name ?? workloadEndpointName(ids);

    if (!k8s && existing && existing.spec.containerID === args.containerId) {
      // Adding an existing container again (upstream: to a further network): reuse it, add the profile.
      if (!existing.spec.profiles.includes(conf.name)) existing.spec.profiles.push(conf.name);
      await writeWorkloadEndpoint(ds, existing);
      if (conf.policyType === '') await ensureNetworkProfile(ds, conf, k8s);
      return resultFromEndpoint(existing, args, conf);
    }

    let info: PodInfo | undefined;
    let ipv4Pools: string[] | undefined;
    let ipv6Pools: string[] | undefined;
    if (k8s) {
      const pod = await ds.get({ kind: KIND_POD, namespace: ids.namespace, name: ids.pod ?? '' });
      if (!pod) log.warn('Pod not found in the datastore; endpoint gets namespace labels only');
      info = podInfo(ids.namespace, pod?.value ?? null);
      if (conf.ipam.type === 'calico-ipam') {
        const nsObj = await ds.get<{ metadata?: { annotations?: Record<string, string> } }>({ kind: KIND_NAMESPACE, name: ids.namespace });
        const nsAnn = nsObj?.value.metadata?.annotations ?? {};
        ipv4Pools = jsonList(info.annotations['cni.projectcalico.org/ipv4pools'] ?? nsAnn['cni.projectcalico.org/ipv4pools'], 'cni.projectcalico.org/ipv4pools');
        ipv6Pools = jsonList(info.annotations['cni.projectcalico.org/ipv6pools'] ?? nsAnn['cni.projectcalico.org/ipv6pools'], 'cni.projectcalico.org/ipv6pools');
      }
    }
    const routes = workloadRoutes(conf);

    if (!k8s && conf.ipAddrsNoIpam) {
      throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, 'requested feature is not supported for this runtime: ip_addrs_no_ipam');
    }
    // Annotations that cannot be honoured fail before anything is allocated.
    if (info) checkPodAnnotations(info.annotations, conf.floatingIps);
    const workload: IpamWorkload = { nodename: ids.node, namespace: k8s ? ids.namespace : undefined, pod: ids.pod, ipv4Pools, ipv6Pools };
    const alloc = await this.allocate(conf, args, workload, info?.annotations ?? {}, existing, ds);
    log.info('IPAM assigned', { ips: alloc.result.ips?.map((i) => i.address) });

    const hostVeth = k8s ? vethNameForWorkload(ids.namespace, ids.pod ?? '') : vethNameForContainer(args.containerId);
    let networked = false;
    try {
      const addresses = (alloc.result.ips ?? []).map((i) => hostCidr(i.address));
      const net = await doNetworking({
        netns: args.netns, ifName: args.ifName, hostVethName: hostVeth, mtu: conf.mtu, numQueues: conf.numQueues,
        addresses, routes, allowIpForwarding: conf.allowIpForwarding,
        containerMac: info ? hwAddrOf(info.annotations) : undefined,
      }, this.kernel);
      networked = true;

      const wep: WorkloadEndpoint = {
        apiVersion: 'projectcalico.org/v3',
        kind: 'WorkloadEndpoint',
        metadata: { name: wepName, namespace: ids.namespace, labels: info ? { ...info.labels } : { ...(existing?.metadata.labels ?? {}) } },
        spec: {
          orchestrator: ids.orchestrator,
          node: ids.node,
          endpoint: existing?.spec.endpoint ?? args.ifName,
          containerID: args.containerId,
          ipNetworks: addresses,
          profiles: k8s ? info?.profiles ?? [] : [conf.name],
          interfaceName: net.hostVethName,
          mac: net.containerMac,
        },
      };
      if (info?.generateName) wep.metadata.generateName = info.generateName;
      if (info) {
        const nats = floatingIpNats(info.annotations, addresses, conf.floatingIps);
        if (nats.length) wep.spec.ipNATs = nats;
        const spoof = allowedSourcePrefixes(info.annotations);
        if (spoof.length) wep.spec.allowSpoofedSourcePrefixes = spoof;
      }
      if (k8s) {
        wep.spec.pod = ids.pod ?? '';
        if (info?.serviceAccountName) wep.spec.serviceAccountName = info.serviceAccountName;
        if (info?.ports.length) wep.spec.ports = info.ports;
      }
      await writeWorkloadEndpoint(ds, wep);
      if (!k8s && conf.policyType === '') await ensureNetworkProfile(ds, conf, k8s);
      log.info('Wrote WorkloadEndpoint', { name: wepName, interface: net.hostVethName });

      return {
        cniVersion: args.cniVersion,
        interfaces: interfacesFor(net.hostVethName, net.containerMac, args, conf),
        ips: net.addresses.map((address) => ({ address, interface: 1 })),
        ...(alloc.result.routes?.length ? { routes: alloc.result.routes } : {}),
        ...(alloc.result.dns ? { dns: alloc.result.dns } : {}),
      };
    } catch (e) {
      log.warn('ADD failed; rolling back', { error: (e as Error).message });
      if (networked) await deleteHostVeth(hostVeth, this.kernel).catch(() => undefined);
      await alloc.release().catch((re: unknown) => log.error('releasing IPAM after failure failed', { error: (re as Error).message }));
      throw e;
    }
  }

  /**
   * Addresses for a new or re-added workload, as CmdAddK8s decides them:
   * the ipAddrsNoIpam annotation (no IPAM at all), the ipAddrs annotation
   * (exactly those addresses from calico-ipam, via CNI_ARGS IP=), the
   * existing endpoint's addresses on a retried ADD, or a fresh allocation.
   */
  private async allocate(
    conf: CalicoNetConf, args: CmdArgs, w: IpamWorkload, ann: Readonly<Record<string, string>>,
    existing: WorkloadEndpoint | undefined, ds: Datastore,
  ): Promise<IpamAllocation> {
    const ipAddrs = ann[ANN_IP_ADDRS] ?? '';
    const noIpam = ann[ANN_IP_ADDRS_NO_IPAM] ?? '';
    const bad = (msg: string) => new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, msg);
    const shared: IpamDeps = { datastore: () => Promise.resolve(ds) };
    if (ipAddrs && noIpam) throw bad("can't have both annotations: 'ipAddrs' and 'ipAddrsNoIpam' in use at the same time");
    if (noIpam) {
      if (conf.ipam.type !== 'calico-ipam') throw bad(`ipAddrsNoIpam is not compatible with configured IPAM: ${conf.ipam.type}`);
      if (!conf.ipAddrsNoIpam) throw bad('requested feature is not enabled: ip_addrs_no_ipam');
      const ips = extractIps(noIpam, ANN_IP_ADDRS_NO_IPAM);
      return { result: { cniVersion: args.cniVersion, ips: ips.map((ip) => ({ address: hostCidr(ip) })) }, release: async () => {} };
    }
    if (ipAddrs) {
      if (conf.ipam.type !== 'calico-ipam') throw bad(`ipAddrs is not compatible with configured IPAM: ${conf.ipam.type}`);
      const ips = extractIps(ipAddrs, ANN_IP_ADDRS);
      // Re-adding with fixed addresses: free the old ones first, or the request for the same ones would fail.
      if (existing?.spec.ipNetworks.length) await releaseCalicoAddresses(ds, existing.spec.ipNetworks);
      const got: IpamAllocation[] = [];
      try {
        for (const ip of ips) {
          const withIp: CmdArgs = { ...args, args: new Map([...args.args, ['IP', ip]]) };
          got.push(await addIpam(conf, withIp, w, shared));
        }
      } catch (e) {
        await delIpam(conf, args, shared).catch(() => undefined);
        throw e;
      }
      return {
        result: { cniVersion: args.cniVersion, ips: got.flatMap((g) => g.result.ips ?? []) },
        release: async () => { await delIpam(conf, args, shared); },
      };
    }
    // A retried ADD of the same container keeps the addresses its handle still holds.
    const reused = existing && existing.spec.containerID === args.containerId
      ? await reusableAllocation(conf, args, existing.spec.ipNetworks, ds, shared) : null;
    return reused ?? addIpam(conf, args, w, shared);
  }

  async del(args: CmdArgs): Promise<void> {
    const inv = this.start(args);
    const { conf, ids, log } = inv;
    try {
      const ds = await inv.ds.get();
      const shared: IpamDeps = { datastore: () => Promise.resolve(ds) };
      await checkDatastoreReady(ds);
      const name = workloadEndpointName(ids);
      if (ids.orchestrator === ORCHESTRATOR_K8S) {
        // A DEL for an old sandbox of a live pod must leave the pod's endpoint and veth alone.
        let stale = false;
        const gone = await deleteWorkloadEndpoint(ds, ids.namespace, name, (w) => {
          stale = Boolean(w.spec.containerID) && w.spec.containerID !== args.containerId;
          return stale;
        });
        await cleanUpNamespace(args.netns, args.ifName, this.kernel);
        if (gone) await deleteHostVeth(gone.spec.interfaceName, this.kernel);
        await delIpam(conf, args, shared);
        log.info('DEL complete', { endpoint: name, stale: String(stale) });
        return;
      }
      let ipamErr: unknown;
      await delIpam(conf, args, shared).catch((e: unknown) => { ipamErr = e; });
      await deleteWorkloadEndpoint(ds, ids.namespace, name);
      await cleanUpNamespace(args.netns, args.ifName, this.kernel);
      await deleteHostVeth(vethNameForContainer(args.containerId), this.kernel);
      if (ipamErr) throw ipamErr;
      log.info('DEL complete', { endpoint: name });
    } catch (e) {
      log.error('DEL failed', { error: (e as Error).message });
      throw e;
    } finally {
      await inv.ds.close();
    }
  }

  async check(args: CmdArgs): Promise<void> {
    const inv = this.start(args);
    try {
      const { conf, ids } = inv;
      if (args.config.prevResult === undefined) {
        throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, 'CHECK requires prevResult');
      }
      const prev = parseResult(args.config.prevResult, args.cniVersion);
      const ds = await inv.ds.get();
      const wep = await findExisting(ds, ids);
      if (!wep) throw new CniError(CNI_ERR_UNKNOWN_CONTAINER, `no WorkloadEndpoint for container ${args.containerId}`);
      if (wep.spec.containerID && wep.spec.containerID !== args.containerId) {
        throw new CniError(CNI_ERR_UNKNOWN_CONTAINER, `WorkloadEndpoint ${wep.metadata.name} belongs to container ${wep.spec.containerID}`);
      }
      const prevIps = (prev.ips ?? []).map((i) => hostCidr(i.address)).sort();
      const wepIps = [...wep.spec.ipNetworks].map(hostCidr).sort();
      if (prevIps.join(',') !== wepIps.join(',')) {
        throw new CniError(CNI_ERR_INVALID_NETWORK_CONFIG, `prevResult addresses [${prevIps.join(', ')}] differ from the endpoint's [${wepIps.join(', ')}]`);
      }
      await checkNetworking({
        netns: args.netns, ifName: args.ifName, hostVethName: wep.spec.interfaceName, mtu: conf.mtu, numQueues: conf.numQueues,
        addresses: prevIps, routes: workloadRoutes(conf), allowIpForwarding: conf.allowIpForwarding, containerMac: wep.spec.mac,
      }, this.kernel);
    } finally {
      await inv.ds.close();
    }
  }

  /** STATUS (1.1): ready when the datastore answers. */
  async status(args: CmdArgs): Promise<void> {
    const inv = this.start(args);
    try {
      await (await inv.ds.get()).currentRevision();
    } catch (e) {
      throw new CniError(CNI_ERR_PLUGIN_NOT_AVAILABLE, `datastore not available: ${(e as Error).message}`);
    } finally {
      await inv.ds.close();
    }
  }

  /** GC (1.1): passed on to the IPAM plugin with the runtime's valid attachments. */
  async gc(args: CmdArgs): Promise<void> {
    const inv = this.start(args);
    try {
      await gcIpam(inv.conf, args, { datastore: () => inv.ds.get() });
    } finally {
      await inv.ds.close();
    }
  }
}
