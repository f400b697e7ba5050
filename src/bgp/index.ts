/**
 * BGP through BIRD 2: config rendering, the BIRD daemon, session status.
 * See DESIGN.md.
 */
export { renderBirdConfig, asPlain, type BirdConfigInput } from './bird-config.js';
export { birdInput, hashToIPv4, DEFAULT_AS_NUMBER, DEFAULT_SECRETS_DIR, type BirdInputSources, type BirdInputResult } from './bird-input.js';
export { computePeers, parseBgpPeers, protocolName, peerAppliesTo, type BirdPeer, type BgpPeerView, type PeerType } from './bgp-peers.js';
export { parseLocalWorkloads, type LocalWorkload } from './local-workloads.js';
export { parseBgpFilters, renderFilterFunctions, type BgpFilterView, type BgpFilterRule } from './bgp-filter.js';
export { BirdDaemon, birdPaths, defaultBirdRunDir, DEFAULT_RUN_DIR, birdc, birdSessions, BIRD_BINARY, BIRDC_BINARY, type BirdPaths } from './bird-process.js';
export { parseBirdProtocols, peerAddressFromName, type BgpSession } from './birdc-status.js';
