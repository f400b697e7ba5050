import type { Resource } from '../../api/types.js';

/**
 * Table columns of `calicoctl get` per kind, as calicoctl's resourcemgr
 * registers them (v3.31): default (`ps`) headings, `wide` headings, and one
 * value function per heading, each printing what calicoctl's Go template
 * prints (Go's `%v` for numbers, `<nil>` for an unset pointer field).
 */

/** What a column may need besides the resource (the Node ASN column reads the global BGPConfiguration). */
export interface ColumnContext {
  /** Global AS number (BGPConfiguration `default` spec.asNumber, or 64512). */
  readonly defaultASNumber: string;
}

type Column = (r: Resource, c: ColumnContext) => string;

export interface KindColumns {
  readonly headings: readonly string[];
  readonly wide: readonly string[];
  readonly columns: Readonly<Record<string, Column>>;
}

function spec(r: Resource): Record<string, unknown> {
  return (r.spec ?? {}) as Record<string, unknown>;
}

/** Go's fmt `%v` for a JSON value as a template prints it. */
export function goValue(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') return `{${Object.values(v as Record<string, unknown>).map(goValue).join(' ')}}`;
  return String(v);
}

/**
 * Go's `%v` for a float64 (strconv 'g', shortest): exponent form when the
 * decimal exponent is < -4 or >= 6, e.g. a tier order of 1000000 prints `1e+06`.
 */
export function goFloat(f: number): string {
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : f < 0 ? '-Inf' : 'NaN';
  if (f === 0) return '0';
  const [mant, expStr] = f.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(f);
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : goValue(v);
}

/** A pointer field: `<nil>` when unset, as the Go template prints it. */
function ptr(v: unknown): string {
  return goValue(v);
}

/** A non-pointer bool: Go's zero value `false` when unset. */
function bool(v: unknown): string {
  return v === true ? 'true' : 'false';
}

/** `{{join .X ","}}` / `{{joinAndTruncate .X "," 80}}`: maps become sorted `k=v`. */
function join(v: unknown, max = 0): string {
  if (v === undefined || v === null) return '';
  let items: string[];
  if (Array.isArray(v)) items = v.map((x) => (typeof x === 'object' && x !== null ? goValue(x) : String(x)));
  else if (typeof v === 'object') items = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${String(x)}`).sort();
  else items = [String(v)];
  let out = '';
  for (let i = 0; i < items.length; i++) {
    out += (i > 0 ? ',' : '') + items[i];
    if (max > 0 && out.length > max) return `${out.slice(0, max - 3)}...`;
  }
  return out;
}

const name: Column = (r) => r.metadata.name;
const namespace: Column = (r) => r.metadata.namespace ?? '';

const policyColumns: KindColumns = {
  headings: ['NAME', 'TIER'],
  wide: ['NAME', 'TIER', 'ORDER', 'SELECTOR'],
  columns: {
    NAME: name, NAMESPACE: namespace,
    ORDER: (r) => ptr(spec(r)['order']),
    SELECTOR: (r) => str(spec(r)['selector']),
    TIER: (r) => str(spec(r)['tier']),
  },
};

const nameOnly: KindColumns = { headings: ['NAME'], wide: ['NAME'], columns: { NAME: name, NAMESPACE: namespace } };

const BY_KIND: Readonly<Record<string, KindColumns>> = {
  BGPConfiguration: {
    headings: ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'],
    wide: ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'],
    columns: {
      NAME: name,
      LOGSEVERITY: (r) => str(spec(r)['logSeverityScreen']),
      MESHENABLED: (r) => (spec(r)['nodeToNodeMeshEnabled'] === undefined ? '-' : str(spec(r)['nodeToNodeMeshEnabled'])),
      ASNUMBER: (r) => (spec(r)['asNumber'] ? str(spec(r)['asNumber']) : '-'),
    },
  },
  BGPFilter: {
    headings: ['NAME', 'NUMEXPORTV4', 'NUMIMPORTV4', 'NUMEXPORTV6', 'NUMIMPORTV6'],
    wide: ['NAME', 'NUMEXPORTV4', 'NUMIMPORTV4', 'NUMEXPORTV6', 'NUMIMPORTV6'],
    columns: {
      NAME: name,
      NUMEXPORTV4: (r) => String(arr(spec(r)['exportV4']).length),
      NUMIMPORTV4: (r) => String(arr(spec(r)['importV4']).length),
      NUMEXPORTV6: (r) => String(arr(spec(r)['exportV6']).length),
      NUMIMPORTV6: (r) => String(arr(spec(r)['importV6']).length),
    },
  },
  BGPPeer: {
    headings: ['NAME', 'PEERIP', 'NODE', 'ASN'],
    wide: ['NAME', 'PEERIP', 'NODE', 'ASN'],
    columns: {
      NAME: name,
      PEERIP: (r) => str(spec(r)['peerIP']),
      NODE: (r) => str(spec(r)['node']) || str(spec(r)['nodeSelector']) || '(global)',
      ASN: (r) => (spec(r)['asNumber'] === undefined ? '0' : str(spec(r)['asNumber'])),
    },
  },
  CalicoNodeStatus: {
    headings: ['NAME', 'NODE'],
    wide: ['NAME', 'NODE', 'CLASSES'],
    columns: { NAME: name, NODE: (r) => str(spec(r)['node']), CLASSES: (r) => join(spec(r)['classes']) },
  },
  ClusterInformation: {
    headings: ['NAME', 'CLUSTERGUID', 'CLUSTERTYPE', 'CALICOVERSION', 'DATASTOREREADY'],
    wide: ['NAME', 'CLUSTERGUID', 'CLUSTERTYPE', 'CALICOVERSION', 'DATASTOREREADY'],
    columns: {
      NAME: name,
      CLUSTERGUID: (r) => str(spec(r)['clusterGUID']),
      CLUSTERTYPE: (r) => str(spec(r)['clusterType']),
      CALICOVERSION: (r) => str(spec(r)['calicoVersion']),
      DATASTOREREADY: (r) => ptr(spec(r)['datastoreReady']),
    },
  },
  FelixConfiguration: nameOnly,
  KubeControllersConfiguration: nameOnly,
  GlobalNetworkPolicy: policyColumns,
  StagedGlobalNetworkPolicy: policyColumns,
  NetworkPolicy: policyColumns,
  StagedNetworkPolicy: policyColumns,
  GlobalNetworkSet: {
    headings: ['NAME'],
    wide: ['NAME', 'NETS'],
    columns: { NAME: name, NETS: (r) => join(spec(r)['nets'], 80) },
  },
  NetworkSet: {
    headings: ['NAME'],
    wide: ['NAME', 'NETS'],
    columns: { NAME: name, NAMESPACE: namespace, NETS: (r) => join(spec(r)['nets'], 80) },
  },
  HostEndpoint: {
    headings: ['NAME', 'NODE'],
    wide: ['NAME', 'NODE', 'INTERFACE', 'IPS', 'PROFILES'],
    columns: {
      NAME: name,
      NODE: (r) => str(spec(r)['node']),
      INTERFACE: (r) => str(spec(r)['interfaceName']),
      IPS: (r) => join(spec(r)['expectedIPs']),
      PROFILES: (r) => join(spec(r)['profiles']),
    },
  },
  IPAMConfiguration: {
    headings: ['NAME', 'STRICTAFFINITY', 'AUTOALLOCATEBLOCKS'],
    wide: ['NAME', 'STRICTAFFINITY', 'AUTOALLOCATEBLOCKS', 'MAXBLOCKSPERHOST'],
    columns: {
      NAME: name,
      STRICTAFFINITY: (r) => bool(spec(r)['strictAffinity']),
      AUTOALLOCATEBLOCKS: (r) => bool(spec(r)['autoAllocateBlocks']),
      MAXBLOCKSPERHOST: (r) => String(spec(r)['maxBlocksPerHost'] ?? 0),
    },
  },
  IPPool: {
    headings: ['NAME', 'CIDR', 'SELECTOR'],
    wide: ['NAME', 'CIDR', 'NAT', 'IPIPMODE', 'VXLANMODE', 'DISABLED', 'DISABLEBGPEXPORT', 'SELECTOR', 'ASSIGNMENTMODE'],
    columns: {
      NAME: name,
      CIDR: (r) => str(spec(r)['cidr']),
      NAT: (r) => bool(spec(r)['natOutgoing']),
      IPIPMODE: (r) => str(spec(r)['ipipMode']) || 'Never',
      VXLANMODE: (r) => str(spec(r)['vxlanMode']) || 'Never',
      DISABLED: (r) => bool(spec(r)['disabled']),
      DISABLEBGPEXPORT: (r) => bool(spec(r)['disableBGPExport']),
      SELECTOR: (r) => str(spec(r)['nodeSelector']),
      ASSIGNMENTMODE: (r) => ptr(spec(r)['assignmentMode']),
    },
  },
  IPReservation: {
    headings: ['NAME'],
    wide: ['NAME', 'CIDRS'],
    columns: { NAME: name, CIDRS: (r) => join(spec(r)['reservedCIDRs'], 80) },
  },
  Node: {
    headings: ['NAME'],
    wide: ['NAME', 'ASN', 'IPV4', 'IPV6'],
    columns: {
      NAME: name,
      ASN: (r, c) => {
        const bgp = spec(r)['bgp'] as Record<string, unknown> | undefined;
        if (!bgp) return '';
        return bgp['asNumber'] ? str(bgp['asNumber']) : `(${c.defaultASNumber})`;
      },
      IPV4: (r) => str((spec(r)['bgp'] as Record<string, unknown> | undefined)?.['ipv4Address']),
      IPV6: (r) => str((spec(r)['bgp'] as Record<string, unknown> | undefined)?.['ipv6Address']),
    },
  },
  Profile: {
    headings: ['NAME'],
    wide: ['NAME', 'LABELS'],
    columns: { NAME: name, LABELS: (r) => join(spec(r)['labelsToApply']) },
  },
  Tier: {
    headings: ['NAME', 'ORDER'],
    wide: ['NAME', 'ORDER'],
    columns: { NAME: name, ORDER: (r) => ptr(spec(r)['order']) },
  },
  WorkloadEndpoint: {
    headings: ['WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE'],
    wide: ['NAME', 'WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE', 'PROFILES', 'NATS'],
    columns: {
      NAME: name, NAMESPACE: namespace,
      NODE: (r) => str(spec(r)['node']),
      ORCHESTRATOR: (r) => str(spec(r)['orchestrator']),
      WORKLOAD: (r) => str(spec(r)['workload']) || str(spec(r)['pod']),
      NETWORKS: (r) => join(spec(r)['ipNetworks']),
      NATS: (r) => join(spec(r)['ipNATs']),
      PROFILES: (r) => join(spec(r)['profiles']),
      INTERFACE: (r) => str(spec(r)['interfaceName']),
    },
  },
};

function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Columns for a kind; kinds calicoctl has no table for (k8s kinds) print NAME (and NAMESPACE). */
export function kindColumns(kind: string): KindColumns {
  return BY_KIND[kind] ?? nameOnly;
}
