/**
 * Calico's numorstring.Port as used by the Kubernetes policy converter:
 * parsing ("80", "80:90", "http"), JSON form (number, "min:max" or name)
 * and SimplifyPorts, which merges numeric ports into ranges.
 */

export interface Port {
  readonly minPort: number;
  readonly maxPort: number;
  /** Non-empty for a named port; then minPort/maxPort are 0. */
  readonly portName: string;
}

/** A port as it appears in projectcalico.org/v3 JSON: 80, "80:90" or "http". */
export type PortJson = number | string;

const ALL_DIGITS = /^\d+$/;
const PORT_RANGE = /^(\d+):(\d+)$/;
const PORT_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

/** Parses like numorstring.PortFromString; throws Error with upstream's message. */
export function portFromString(s: string): Port {
  if (ALL_DIGITS.test(s)) {
    const n = parseUint16(s);
    if (n === null) throw new Error(`invalid port format (${s})`);
    return singlePort(n);
  }
  const m = PORT_RANGE.exec(s);
  if (m !== null) {
    const min = parseUint16(m[1]!);
    if (min === null) throw new Error(`invalid minimum port number in range (${s})`);
    const max = parseUint16(m[2]!);
    if (max === null) throw new Error(`invalid maximum port number in range (${s})`);
    return portFromRange(min, max);
  }
  if (!PORT_NAME.test(s)) throw new Error(`invalid name for named port (${s})`);
  return { minPort: 0, maxPort: 0, portName: s };
}

export function singlePort(n: number): Port {
  return { minPort: n, maxPort: n, portName: '' };
}

export function portFromRange(min: number, max: number): Port {
  if (min > max) {
    throw new Error(`minimum port number (${min}) is greater than maximum port number (${max}) in port range`);
  }
  return { minPort: min, maxPort: max, portName: '' };
}

function parseUint16(s: string): number | null {
  // Digits only (checked by the caller's regexp); strconv.ParseUint(s, 10, 16).
  const n = Number(s);
  return Number.isSafeInteger(n) && n <= 0xffff ? n : null;
}

export function portToString(p: Port): string {
  if (p.portName !== '') return p.portName;
  return p.minPort === p.maxPort ? String(p.minPort) : `${p.minPort}:${p.maxPort}`;
}

/** numorstring.Port MarshalJSON: name, single number, or "min:max". */
export function portToJson(p: Port): PortJson {
  if (p.portName !== '') return p.portName;
  return p.minPort === p.maxPort ? p.minPort : `${p.minPort}:${p.maxPort}`;
}

/**
 * libcalico-go SimplifyPorts: named ports first (in input order), then the
 * numeric ports and ranges merged into sorted, non-overlapping, non-adjacent
 * ranges. Lists with at most one numeric port are returned unchanged.
 */
export function simplifyPorts(ports: readonly Port[]): readonly Port[] {
  if (ports.length <= 1) return ports;
  const named: Port[] = [];
  const ranges: Array<[number, number]> = [];
  let numericCount = 0;
  for (const p of ports) {
    if (p.portName !== '') {
      named.push(p);
    } else {
      ranges.push([p.minPort, p.maxPort]);
      numericCount += p.maxPort - p.minPort + 1;
    }
  }
  // Upstream expands every range into individual ports and bails out when
  // there is at most one; counting is equivalent without the expansion.
  if (numericCount <= 1) return ports;
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = [...named];
  let [first, last] = ranges[0]!;
  for (const [min, max] of ranges.slice(1)) {
    if (min > last + 1) {
      out.push(portFromRange(first, last));
      first = min;
      last = max;
    } else {
      last = Math.max(last, max);
    }
  }
  out.push(portFromRange(first, last));
  return out;
}
