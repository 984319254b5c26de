'use strict';
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- node's --require loads CommonJS only */
/*
 * Lets plain node run this repo's TypeScript in a child process (test fixtures, real services in
 * end-to-end tests) without a build, compiling each .ts file with the installed @swc/core and the same
 * settings as the Jest transform. Run:
 *   node --conditions=@inflow/source --enable-source-maps --require <this file> some-file.ts
 * The condition makes workspace packages (`@inflow/*`) resolve to their src/index.ts, as in Jest.
 */
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

const swcOptions = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

// require.extensions is deprecated but still the only synchronous CommonJS compile hook in node 20.
require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...swcOptions, filename });
  module._compile(code, filename);
};
