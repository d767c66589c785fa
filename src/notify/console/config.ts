import { z } from 'zod';

/**
 * A console receiver (`console: {}` in a receiver config): one JSON line per notification on burnwatch's
 * standard output, for log pipelines and for trying burnwatch out. It has no settings; the map exists so
 * that a future setting is not a breaking change, and stays strict so a typo is reported.
 */
export const ConsoleConfig = z
  .strictObject({})
  .meta({ description: 'Writes one JSON line per notification to standard output. No settings: write console: {}.' });
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;
