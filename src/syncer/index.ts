// The syncer: datastore -> one ordered stream of typed updates with an InSync marker.
export { Syncer, STATUS_REPORT_KIND, type SyncerCallbacks, type SyncerOptions } from './syncer.js';
export { SOURCE_KINDS, convertEntry, outputKeyFor, isSourceKind, type OutputKey } from './convert.js';
export { isCalcUpdate, type ExtraUpdate, type ExtraUpdateKind, type InvalidNote, type SyncStatus, type SyncerUpdate } from './syncer-update.js';
