// One implementation for the demo, the tests and the scripts.
export { freePort } from '../../demo/processes.js';
