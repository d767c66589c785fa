// Writes schema/burnwatch-v1.json from the zod schema: npm run schema
import { writeFileSync } from 'node:fs';
import { nativeJsonSchema } from '../src/formats/native/json-schema.js';

const target = new URL('../schema/burnwatch-v1.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(nativeJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
