import { registerKind, type KindDefinition } from '../registry.js';
import type { KindInfo, Resource } from '../types.js';
import type { Issues } from '../validate/issues.js';
import { checkName, subdomainName, type NameRule } from '../validate/metadata.js';
import type { Spec } from '../validate/schema.js';

/** What a kind module declares; `defineKind` turns it into a registered KindDefinition. */
export interface KindSpec {
  readonly info: KindInfo;
  /** Rule for metadata.name; default: DNS-1123 subdomain (Calico's nameRegex). */
  readonly name?: NameRule;
  /** Schema of `spec`; absent means the kind has no spec field. */
  readonly spec?: Spec;
  /** Whether `spec` must be present (default false: an empty spec is valid for most kinds). */
  readonly specRequired?: boolean;
  /** Schema of `status`; absent means a `status` field is an unknown field. */
  readonly status?: Spec;
  /** Extra whole-resource checks (cross-field rules needing metadata). */
  readonly validate?: (r: Resource, issues: Issues) => void;
  /** Calico's defaults, applied in place to a valid resource. */
  readonly defaults?: (r: Resource) => void;
  /** Extra top-level fields and their schemas (Kubernetes kinds without a spec). */
  readonly topLevel?: Readonly<Record<string, Spec>>;
  /** Update-only rules (see KindDefinition.validateUpdate). */
  readonly validateUpdate?: (old: Resource, updated: Resource, issues: Issues) => void;
}

/**
 * defineKind builds the KindDefinition for a kind from its schemas and
 * registers it. Validation order: name rule, spec schema, status schema,
 * then the kind's own cross-field checks (always run, so one pass reports
 * everything; they must tolerate fields of the wrong type).
 */
export function defineKind(k: KindSpec): KindDefinition {
  const def: KindDefinition = {
    info: k.info,
    extraTopLevelFields: Object.keys(k.topLevel ?? {}),
    validate(r, issues) {
      checkName(r.metadata, k.name ?? subdomainName, issues);
      const raw = r as unknown as Record<string, unknown>;
      if (k.spec) {
        if (raw.spec === undefined) {
          if (k.specRequired) issues.add('spec', 'required field is missing');
        } else k.spec.check(raw.spec, 'spec', issues);
      } else if (raw.spec !== undefined) issues.add('spec', 'unknown field "spec"');
      if (raw.status !== undefined) {
        if (k.status) k.status.check(raw.status, 'status', issues);
        else issues.add('status', 'unknown field "status"');
      }
      for (const [field, spec] of Object.entries(k.topLevel ?? {})) {
        if (raw[field] !== undefined && raw[field] !== null) spec.check(raw[field], field, issues);
      }
      if (k.validate) {
        // Cross-field rules read canonical field names, whatever case the document used.
        const view = { ...raw };
        if (k.spec?.normalize && raw.spec !== undefined && raw.spec !== null) view.spec = k.spec.normalize(raw.spec);
        k.validate(view as unknown as Resource, issues);
      }
    },
    coerce(r) {
      const raw = r as unknown as Record<string, unknown>;
      if (k.spec?.coerce && raw.spec !== undefined && raw.spec !== null) raw.spec = k.spec.coerce(raw.spec);
      if (k.status?.coerce && raw.status !== undefined && raw.status !== null) raw.status = k.status.coerce(raw.status);
    },
    ordered(r) {
      const raw = { ...(r as unknown as Record<string, unknown>) };
      if (k.spec?.order && raw.spec !== undefined && raw.spec !== null) raw.spec = k.spec.order(raw.spec);
      if (k.status?.order && raw.status !== undefined && raw.status !== null) raw.status = k.status.order(raw.status);
      return raw as unknown as Resource;
    },
    applyDefaults(r) {
      const raw = r as unknown as Record<string, unknown>;
      if (k.spec?.normalize && raw.spec !== undefined) raw.spec = k.spec.normalize(raw.spec);
      if (k.status?.normalize && raw.status !== undefined) raw.status = k.status.normalize(raw.status);
      k.defaults?.(r);
    },
  };
  const full: KindDefinition = k.validateUpdate ? { ...def, validateUpdate: k.validateUpdate } : def;
  registerKind(full);
  return full;
}

/** Builds a KindInfo for a projectcalico.org/v3 kind. */
export function calicoKind(kind: string, plural: string, namespaced: boolean, aliases: readonly string[]): KindInfo {
  return { kind, apiVersion: 'projectcalico.org/v3', storageKind: kind, namespaced, plural, aliases };
}

/** The spec of `r` as a mutable record, created when missing (for defaulting). */
export function specOf(r: Resource): Record<string, unknown> {
  if (!r.spec) r.spec = {};
  return r.spec as Record<string, unknown>;
}
