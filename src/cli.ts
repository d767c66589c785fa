import { main } from './main.js';

// An explicit exit: no heap teardown after the work is done (see keepAlive in store/db.ts). Standard output and
// error are synchronous on Linux for files, pipes and terminals, so nothing written is lost.
process.exit(await main(process.argv.slice(2)));
