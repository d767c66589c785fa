import { z } from 'zod';
import { NativeBudgetCorrection, NativeComposite, NativeSlo } from './schema.js';

/**
 * The JSON Schema of burnwatch/v1 files (SLOs and budget corrections), generated from the zod schema so the two never drift.
 * Editors use it through the yaml-language-server modeline in each SLO file
 * (`# yaml-language-server: $schema=../schema/burnwatch-v1.json`).
 */
export function nativeJsonSchema(): Record<string, unknown> {
  // One schema for every kind: `kind` tells the editor which one a document is.
  const generated = z.toJSONSchema(z.union([NativeSlo, NativeComposite, NativeBudgetCorrection]), { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return {
    $id: 'https://burnwatch.dev/schema/burnwatch-v1.json',
    title: 'burnwatch/v1 SLO, CompositeSLO or BudgetCorrection',
    description: 'An SLO for burnwatch, the SLO burn-rate evaluation engine, a composite of SLOs, or a budget correction of SLOs. Several documents per file are allowed.',
    ...generated,
  };
}
