export { HostExec, type Exec, type ExecResult } from './exec-shim.js';
export { FakeExec, ok, fail, type FakeExecCall, type FakeExecHandler } from './fake-exec.js';
export { NftSession, NftSpawnTransport, batchLine, listTableJson, type NftTransport, type NftSessionOptions } from './nft-session.js';
export { FakeNftTransport } from './fake-nft-transport.js';
