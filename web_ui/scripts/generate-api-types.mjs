// The page's TypeScript types come from the API's own description, which scripts/export_openapi.py derives
// from protos/fleet.proto, so a field or enum value added there cannot be missed here.
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import openapiTS, { COMMENT_HEADER, astToString } from 'openapi-typescript';

const description = new URL('../generated/openapi.json', import.meta.url);
const types = new URL('../generated/api.d.ts', import.meta.url);

if (!existsSync(description)) {
  console.error(
    `${fileURLToPath(description)} is missing: the page's types are generated from it.\n` +
      'Run `.venv/bin/python scripts/export_openapi.py web_ui/generated/openapi.json` in the repository root first ' +
      '(scripts/install.sh does), then build again.',
  );
  process.exit(1);
}
// Objects the description leaves open (headers echoed by try once) are unknown values, not empty ones.
const ast = await openapiTS(description, { emptyObjectsUnknown: true });
writeFileSync(types, COMMENT_HEADER + astToString(ast));
console.log(`generated ${fileURLToPath(types)}`);
