// The bin entry (bin/burnwatch.js runs its compiled form). Everything else is the composition root's: main.ts.
import { runProcess } from './main.js';

await runProcess();
