/**
 * On-disk layout of the SQLite datastore (schema version 1).
 *
 *   meta       name -> integer: `revision` (store-wide counter, last revision
 *              handed out) and `compacted` (change-log rows with revision <=
 *              this are gone).
 *   kv         current value of every key; `revision` = mod revision,
 *              `create_revision` as etcd's. Cluster-scoped keys use namespace ''.
 *   changelog  one row per write (put or delete), keyed by its revision: what
 *              `watch` reads, from this or any other process.
 *
 * Every op of a transaction gets its own revision (one row each), so
 * revisions are dense and strictly increasing across the change log.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0), ('schema', ${SCHEMA_VERSION});
CREATE TABLE IF NOT EXISTS kv (
  kind            TEXT NOT NULL,
  namespace       TEXT NOT NULL,
  name            TEXT NOT NULL,
  value           TEXT NOT NULL,
  revision        INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  PRIMARY KEY (kind, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changelog (
  revision        INTEGER PRIMARY KEY,
  type            TEXT NOT NULL CHECK (type IN ('put', 'delete')),
  kind            TEXT NOT NULL,
  namespace       TEXT NOT NULL,
  name            TEXT NOT NULL,
  value           TEXT,
  create_revision INTEGER
);
CREATE INDEX IF NOT EXISTS changelog_by_kind ON changelog (kind, revision);
`;

/** Row shapes as better-sqlite3 returns them. */
export interface KvRow {
  kind: string;
  namespace: string;
  name: string;
  value: string;
  revision: number;
  create_revision: number;
}

export interface ChangeRow {
  revision: number;
  type: 'put' | 'delete';
  kind: string;
  namespace: string;
  name: string;
  value: string | null;
  create_revision: number | null;
}
