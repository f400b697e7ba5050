/**
 * CalicoError is the base of every user-facing error in calico-ts. Callers and
 * tests match on `.code`, never on message text. Codes are never reused.
 */
export type CalicoErrorCode =
  | 'CALICO_ERR_VALIDATION'
  | 'CALICO_ERR_NOT_FOUND'
  | 'CALICO_ERR_ALREADY_EXISTS'
  | 'CALICO_ERR_CONFLICT'
  | 'CALICO_ERR_COMPACTED'
  | 'CALICO_ERR_DATASTORE'
  | 'CALICO_ERR_DATASTORE_CONFIG'
  | 'CALICO_ERR_SELECTOR_PARSE'
  | 'CALICO_ERR_UNKNOWN_KIND'
  | 'CALICO_ERR_USAGE'
  | 'CALICO_ERR_IPAM_EXHAUSTED'
  | 'CALICO_ERR_IPAM'
  | 'CALICO_ERR_KERNEL'
  | 'CALICO_ERR_UNSUPPORTED'
  | 'CALICO_ERR_CONFIG';

export class CalicoError extends Error {
  readonly code: CalicoErrorCode;
  constructor(code: CalicoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'CalicoError';
  }
}

/** One problem found by validation, like libcalico-go's ErroredField. */
export interface ValidationIssue {
  /** Field path, e.g. `spec.ingress[0].destination.ports[1]`. */
  readonly path: string;
  readonly value?: unknown;
  readonly reason: string;
}

/**
 * ValidationError carries every issue found in one document. `document`
 * names the document (file and index, or kind/name) when known.
 */
export class ValidationError extends CalicoError {
  readonly issues: readonly ValidationIssue[];
  readonly document: string | undefined;
  constructor(issues: readonly ValidationIssue[], document?: string) {
    super('CALICO_ERR_VALIDATION', formatIssues(issues, document));
    this.issues = issues;
    this.document = document;
    this.name = 'ValidationError';
  }
}

function formatIssues(issues: readonly ValidationIssue[], document?: string): string {
  const head = document ? `${document}: ` : '';
  const body = issues
    .map((i) => (i.value === undefined ? `${i.path}: ${i.reason}` : `${i.path}: ${i.reason} (value: ${JSON.stringify(i.value)})`))
    .join('; ');
  return `${head}validation failed: ${body}`;
}

export function isCalicoError(e: unknown, code?: CalicoErrorCode): e is CalicoError {
  return e instanceof CalicoError && (code === undefined || e.code === code);
}
