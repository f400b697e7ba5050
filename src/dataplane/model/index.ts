// The dataplane model: the one contract between the calc graph and every dataplane.
export * from './ids.js';
export * from './types.js';
export * from './desired-state.js';
export * from './net.js';
