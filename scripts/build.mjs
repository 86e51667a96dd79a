// Build: compile the JSON Schemas to standalone ajv validators, then bundle the CLI with esbuild.
// The bundle keeps start-up fast (one file for yaml + chevrotain; reporters and emitters are split out
// and loaded lazily through dynamic import()).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const generated = join(root, 'src', 'generated');
mkdirSync(generated, { recursive: true });

const schemas = [
  ['policy.schema.json', 'policy-validator.js'],
  ['config.schema.json', 'config-validator.js'],
  ['baseline.schema.json', 'baseline-validator.js'],
];
for (const [schemaFile, outFile] of schemas) {
  let schema;
  try {
    schema = JSON.parse(readFileSync(join(root, 'schemas', schemaFile), 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') continue;
    throw e;
  }
  const ajv = new Ajv.default({ code: { source: true, esm: true }, allErrors: true, strict: false, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  writeFileSync(join(generated, outFile), standaloneCode.default(ajv, validate));
  writeFileSync(join(generated, outFile.replace(/\.js$/, '.d.ts')),
    'import type { ErrorObject } from "ajv";\n' +
    'declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };\n' +
    'export default validate;\n');
}

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
writeFileSync(join(generated, 'version.ts'), `export const DRC_VERSION = ${JSON.stringify(version)};\n`);
// `?raw` imports (templates) become strings, as vitest does natively.
const rawPlugin = {
  name: 'raw',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: join(args.resolveDir, args.path.replace(/\?raw$/, '')), namespace: 'raw' }));
    b.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({ contents: readFileSync(args.path, 'utf8'), loader: 'text' }));
  },
};

// Chunk names carry content hashes: start clean so stale chunks never pile up.
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  plugins: [rawPlugin],
  entryPoints: {
    drc: join(root, 'src', 'cli', 'main.ts'),
    'build-worker': join(root, 'src', 'build', 'worker.ts'),
    'build-writer': join(root, 'src', 'build', 'writer-worker.ts'),
  },
  outdir: join(root, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'bundle',
  external: ['@aws-sdk/*'],
  banner: { js: "import { createRequire as __drcCreateRequire } from 'node:module'; const require = __drcCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  // Smaller code parses faster at start-up (drc lint runs on every pull request).
  minify: true,
});
