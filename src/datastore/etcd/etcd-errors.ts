import { CalicoError, isCalicoError } from '../../lib/errors.js';

/**
 * Maps etcd client / gRPC failures to CalicoError CALICO_ERR_DATASTORE with
 * the endpoints and the reason, naming TLS problems as such: gRPC reports a
 * bad CA as a generic "UNAVAILABLE / No connection established", with the
 * certificate error buried in the text.
 */
export function etcdError(e: unknown, endpoints: readonly string[], what: string): CalicoError {
  if (isCalicoError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const where = `etcd ${endpoints.join(',')}`;
  if (isCompactedMessage(msg)) {
    return new CalicoError('CALICO_ERR_COMPACTED', `${where}: ${what}: requested revision has been compacted; relist`, { cause: e });
  }
  let reason = msg;
  if (/certificate|SSL|TLS|handshake|self[- ]signed|unable to verify|wrong version number/i.test(msg)) {
    reason = `TLS handshake failed (check etcdCACertFile / etcdCertFile / etcdKeyFile): ${msg}`;
  } else if (/ECONNREFUSED|UNAVAILABLE|No connection established|connect|breaker|circuit/i.test(msg)) {
    reason = `cannot connect: ${msg}`;
  } else if (/DEADLINE_EXCEEDED|deadline/i.test(msg)) {
    reason = `timed out: ${msg}`;
  }
  return new CalicoError('CALICO_ERR_DATASTORE', `${where}: ${what} failed: ${reason}`, { cause: e });
}

export function isCompactedMessage(msg: string): boolean {
  return /required revision has been compacted/i.test(msg);
}
