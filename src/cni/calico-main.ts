/**
 * Entry point of the `calico` CNI binary when run from dist/ module by module
 * (bin/calico uses the single-file bundle of calico-cli.ts when it is fresh;
 * see "Start-up" in DESIGN.md).
 */
import { main } from './calico-cli.js';

await main();
