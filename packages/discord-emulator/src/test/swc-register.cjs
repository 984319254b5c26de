'use strict';
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- node's --require loads CommonJS only */
/*
 * Lets a child node process run this package's TypeScript (the CLI in cli.int-spec.ts) without a build,
 * compiling each .ts file with @swc/core as the Jest transform does.
 */
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
