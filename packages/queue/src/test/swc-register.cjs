'use strict';
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload script is CommonJS */
/*
 * Lets plain node run this package's TypeScript in child processes (the multi-process tests) without a
 * build, compiling each .ts file with the installed @swc/core and the settings of the Jest transform:
 *   node --conditions=@inflow/source --require <this file> some-file.ts
 * The condition resolves workspace packages (`@inflow/*`) to their src/index.ts, as in Jest.
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
