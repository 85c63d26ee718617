// `npm run schema`: writes docs/config.schema.json from the zod schema (test/unit/config/json-schema.test.ts
// fails when the committed file is stale).
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.js';

const file = new URL('../docs/config.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${file.pathname}\n`);
