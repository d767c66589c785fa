import { z } from 'zod';
import { NativeComposite, NativeSlo } from './schema.js';

/**
 * The JSON Schema of burnwatch/v1 SLO files, generated from the zod schema so the two never drift.
 * Editors use it through the yaml-language-server modeline in each SLO file
 * (`# yaml-language-server: $schema=../schema/burnwatch-v1.json`).
 */
export function nativeJsonSchema(): Record<string, unknown> {
  // One schema for both kinds: `kind` tells the editor which one a document is.
  const generated = z.toJSONSchema(z.union([NativeSlo, NativeComposite]), { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return {
    $id: 'https://burnwatch.dev/schema/burnwatch-v1.json',
    title: 'burnwatch/v1 SLO or CompositeSLO',
    description: 'An SLO for burnwatch, the SLO burn-rate evaluation engine. Several documents per file are allowed.',
    ...generated,
  };
}
