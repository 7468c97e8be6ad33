/** The API reference (docs/api, made from the source by `npm run docs:api`) keeps up with the package's exports. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

const pages = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/api');
const pageOf = (name: string) => ['classes', 'functions', 'variables'].map((d) => join(pages, d, `${name}.md`)).find((p) => existsSync(p));

describe('the API reference', () => {
  it('has a page for every value the package exports (else: npm run docs:api)', () => {
    expect(Object.keys(api).filter((name) => pageOf(name) === undefined)).toEqual([]);
  });

  it('lists every code of every error (else: npm run docs:api)', () => {
    const missing: string[] = [];
    for (const [name, value] of Object.entries(api)) {
      if (!name.endsWith('ErrorCode') || typeof value !== 'object') continue;
      const page = readFileSync(pageOf(name)!, 'utf8').replace(/\\_/g, '_');
      for (const code of Object.keys(value)) if (!page.includes(code)) missing.push(`${name}.${code}`);
    }
    expect(missing).toEqual([]);
  });
});
