import type { Issues } from './validate/issues.js';
import type { KindInfo, Resource } from './types.js';

/**
 * KindDefinition is everything the API layer knows about one kind. Each kind
 * module (src/api/kinds/**) builds one and calls `registerKind` at import time.
 */
export interface KindDefinition {
  readonly info: KindInfo;
  /**
   * Checks the whole resource except apiVersion/kind (metadata name rules,
   * spec fields: unknown fields, types, values, cross-field rules), adding
   * every problem to `issues` with its full path (`metadata.name`, `spec.x`).
   * Must not throw for bad input and must not modify `r`.
   */
  validate(r: Resource, issues: Issues): void;
  /**
   * Turns YAML numbers/booleans in Go string fields of spec and status into
   * strings (sigs.k8s.io/yaml, see Spec.coerce), in place, before `validate`.
   */
  coerce?(r: Resource): void;
  /**
   * `spec` and `status` with keys in Go struct order (for `-o json`);
   * returns a copy, never modifies `r`.
   */
  ordered?(r: Resource): Resource;
  /** Fills Calico's defaults in place; called only on a resource that validated. */
  applyDefaults(r: Resource): void;
  /**
   * Top-level fields besides apiVersion/kind/metadata/spec/status this kind
   * has (v1 ServiceAccount: `secrets`, `imagePullSecrets`, ...). Others are
   * reported as unknown fields.
   */
  readonly extraTopLevelFields?: readonly string[];
  /**
   * Rules that compare an update with the stored resource (IPPool: CIDR and
   * blockSize cannot change). Both are validated and defaulted; add issues
   * with field paths, never throw.
   */
  validateUpdate?(old: Resource, updated: Resource, issues: Issues): void;
}

const byApiKind = new Map<string, KindDefinition>();
const byAlias = new Map<string, KindDefinition>();

export function registerKind(def: KindDefinition): void {
  const id = `${def.info.apiVersion}/${def.info.kind}`;
  if (byApiKind.has(id)) throw new Error(`kind registered twice: ${id}`);
  byApiKind.set(id, def);
  for (const a of [def.info.kind.toLowerCase(), def.info.plural, ...def.info.aliases]) {
    // Calico kinds win an alias over k8s kinds of the same name (calicoctl `get networkpolicy`).
    if (!byAlias.has(a) || def.info.apiVersion === 'projectcalico.org/v3') byAlias.set(a, def);
  }
}

/** The definition for an apiVersion + kind as written in a document. */
export function kindDefinition(apiVersion: string, kind: string): KindDefinition | undefined {
  return byApiKind.get(`${apiVersion}/${kind}`);
}

/** The definition for a kind as named on the command line (case-insensitive; singular, plural or alias). */
export function kindDefinitionByName(name: string): KindDefinition | undefined {
  return byAlias.get(name.toLowerCase());
}

export function allKindDefinitions(): readonly KindDefinition[] {
  return [...byApiKind.values()];
}
