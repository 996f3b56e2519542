import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test/support.js';

/**
 * electron-builder cannot run here (it downloads Electron and prebuilt native modules), so the installer configs
 * are checked with what can run: app-builder-lib's own JSON schema, and the paths they name.
 */
type Config = Record<string, unknown> & {
  files?: string[];
  asarUnpack?: string[];
  extends?: string;
  extraMetadata?: { main?: string };
};

function readYaml(rel: string): Config {
  return load(readFileSync(join(REPO_ROOT, rel), 'utf8')) as Config;
}

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;
const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
const validate = ajv.compile(schema);
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

/** Does a simple glob (`dir/*.ext`, `dir/**`) match at least one existing file? */
function globMatches(pattern: string): boolean {
  const clean = pattern.replace(/^!/, '');
  const star = clean.indexOf('*');
  const base = star < 0 ? clean : clean.slice(0, clean.lastIndexOf('/', star));
  const dir = join(REPO_ROOT, base);
  if (!existsSync(dir)) return false;
  if (star < 0) return true;
  const tail = clean.slice(base.length + 1);
  if (tail.startsWith('**')) return readdirSync(dir).length > 0;
  const ext = tail.replace(/^\*/, '');
  return readdirSync(dir).some((f) => f.endsWith(ext));
}

describe('build/electron-builder.yml', () => {
  const config = readYaml('build/electron-builder.yml');

  it('validates against app-builder-lib’s configuration schema', () => {
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('flips the security fuses: no RunAsNode, NODE_OPTIONS or --inspect; only the integrity-checked app.asar', () => {
    expect(config['electronFuses']).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config['asar']).toBe(true);
    const main = readFileSync(join(REPO_ROOT, 'electron/main.ts'), 'utf8');
    expect(main).toContain('setPermissionCheckHandler(() => false)');
    expect(main).toMatch(/setPermissionRequestHandler\([^)]*\) => callback\(false\)\)/);
  });

  it('the schema check can fail (an unknown option and a wrong type are refused)', () => {
    expect(validate({ ...config, notAnOption: true })).toBe(false);
    expect(validate({ ...config, asar: 'yes please' })).toBe(false);
  });

  it('builds AppImage and deb, NSIS, and dmg', () => {
    const targets = JSON.stringify([config['linux'], config['win'], config['mac']]);
    for (const t of ['AppImage', 'deb', 'nsis', 'dmg']) expect(targets).toContain(t);
  });

  it('starts the compiled main process and ships what the build produces', () => {
    expect(config.extraMetadata?.main).toBe(pkg.main);
    expect(pkg.main).toBe('dist/electron/main.js');
    // The sources of what `npm run build` emits into the packaged folders exist, and the build script makes them.
    expect(existsSync(join(REPO_ROOT, 'electron/main.ts'))).toBe(true);
    expect(pkg.scripts['build']).toContain('renderer/vite.config.ts');
    expect(pkg.scripts['build']).toContain('electron/vite.preload.config.ts');
    expect(readFileSync(join(REPO_ROOT, 'electron/main.ts'), 'utf8')).toContain("'preload.cjs'");
    expect(readFileSync(join(REPO_ROOT, 'electron/vite.preload.config.ts'), 'utf8')).toContain("'preload.cjs'");
    for (const dir of ['dist/**/*', 'dist-renderer/**/*', 'resources/**/*']) expect(config.files).toContain(dir);
    expect(existsSync(join(REPO_ROOT, 'resources'))).toBe(true);
  });

  it('unpacks native modules, the wasm kernels and resources from the asar, and rebuilds natives for Electron', () => {
    expect(config['asar']).toBe(true);
    expect(config['npmRebuild']).toBe(true);
    for (const p of [
      '**/*.node',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
      'resources/**',
      'node_modules/better-sqlite3/**',
    ])
      expect(config.asarUnpack).toContain(p);
    // Each unpack pattern that names a concrete path matches files here (a renamed package would show).
    for (const p of config.asarUnpack!.filter((p) => !p.startsWith('**') && !p.includes('tfjs-node')))
      expect(globMatches(p), p).toBe(true);
  });

  it('leaves the GPU engine out of the default installers', () => {
    expect(config.files).toContain('!node_modules/@tensorflow/tfjs-node-gpu/**');
    expect(pkg.optionalDependencies?.['@tensorflow/tfjs-node-gpu']).toBeDefined();
  });
});

describe('build/electron-builder.gpu.yml', () => {
  const gpu = readYaml('build/electron-builder.gpu.yml');
  const text = readFileSync(join(REPO_ROOT, 'build/electron-builder.gpu.yml'), 'utf8');

  it('validates, extends the base config, and includes tfjs-node-gpu', () => {
    validate(gpu);
    expect(validate.errors ?? []).toEqual([]);
    expect(gpu.extends).toBe('./build/electron-builder.yml');
    expect(existsSync(join(REPO_ROOT, gpu.extends!))).toBe(true);
    expect(gpu.files?.some((f) => f.includes('tfjs-node-gpu'))).toBe(false);
    expect(gpu.asarUnpack).toContain('node_modules/@tensorflow/tfjs-node-gpu/**');
  });

  it('states the CUDA requirements', () => {
    expect(text).toMatch(/CUDA 11\.2/);
    expect(text).toMatch(/cuDNN 8\.1/);
  });
});
