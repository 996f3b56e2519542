import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { EmbeddingModel } from '../../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../../errors.js';
import type { StoredSubstanceDetail, StoredSubstancePatch, StoredSubstanceSummary } from '../../../matching/libraryTypes.js';
import { embedMissingForCli, loadDefaultModelIfAny, openLibraryForCli, resolveSubstance } from '../../library/cliSupport.js';
import { libraryMap } from '../../library/libraryMap.js';
import { MAP_GROUPS } from '../../../matching/libraryMap.js';
import { CHECK_KINDS, findingJson } from '../../../matching/libraryChecks.js';
import { checkLibrary } from '../../library/checkLibrary.js';
import type { Library } from '../../library/Library.js';
import { defaultMethodFor } from '../../library/matchLibrary.js';
import type { CliCommand, CliIO } from '../CliCommand.js';
import { jsonLine } from '../output.js';

const USAGE = `specmatch library SUBCOMMAND [--library FILE] [--json] …

Without --library, the user's default library (created on first use from the bundled RRUFF pack).
SUBSTANCE is a numeric id or an exact name.

  import [--name NAME] [--no-embed] [--instrument NAME|none] PATH…
                                           import files, folders and .zip archives (a new FILE starts empty);
                                           names from the files (RRUFF ##NAMES=) unless --name; each file goes
                                           through the latest calibration of the instrument that recognises it
                                           (or of --instrument NAME; none: raw), raw data kept;
                                           --json: one line per file {"file","format","spectra","added","duplicates"}
                                           or {"file","error":{"code","message"}}, then {"summary":{…}}
  info                                     name, schema version, counts, embedding keys
  verify                                   read every page of the file; exit 1 with a recovery hint when damaged
  list [--limit N] [--offset N]            substances by name: {"id","name","aliases","formula","cas","tags","elements","spectra"}
  search [--element EL]… [--tag TAG] [--limit N] [--offset N] [TEXT]
                                           by name/alias/tag/formula text, element(s) (IDEAL CHEMISTRY), tag
  show SUBSTANCE                           a substance with its metadata and reference spectra
  remove SUBSTANCE…                        remove substances and their spectra; prints an undo token (kept a day)
  rename SUBSTANCE NEW-NAME
  merge INTO FROM…                         move FROM's spectra into INTO (names kept as aliases; aliases, tags and
                                           notes united); prints an undo token
  undo TOKEN                               undo a remove or a merge (token printed by them; a day at least)
  edit SUBSTANCE [--name N] [--alias A]… [--formula F] [--cas C] [--tag T]… [--notes TEXT]
                                           --alias/--tag replace the lists (give '' to clear)
  export DEST                              DEST.zip: spectra as JCAMP-DX in a zip; any other name: a copy of the library
  merge-from OTHER-LIBRARY                 add the other library's substances and spectra (duplicates skipped)
  embed                                    compute missing embeddings with the installed Siamese model
  check [--kind KIND]… [--include-dismissed]
                                           library checks: likely mislabelled references, duplicates, quality
                                           (SNR, clipped tops, spikes, points, range, nm axis), spread within a
                                           substance; KIND = mislabelled|duplicate|quality|spread;
                                           --json: one line per finding
                                           {"kind","spectrumIds":[…],"substances":[…],"evidence","score"}
  map [--recompute]                        the library's embedding map (UMAP of the model's embeddings, else the
                                           classic vectors; seeded), cached in the library until its spectra
                                           change; prints the points per chemical group;
                                           --json: one line per reference
                                           {"spectrumId","substanceId","substance","sampleId","group","x","y"}
Exit 0 on success (import: also when some files failed, each listed); 1 when the library cannot be used; 2 on usage errors.`;

const COMMON = { library: { type: 'string' }, json: { type: 'boolean' } } as const;

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON, ...options } });
    return { values: r.values, positionals: r.positionals };
  } catch (err) {
    throw new SpecmatchError('E_USAGE', (err as Error).message);
  }
}

function intOption(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new SpecmatchError('E_USAGE', `--${name} expects a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function listOpt(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return (v as string[]).filter((s) => s !== '');
}

function summaryLine(s: StoredSubstanceSummary): string {
  return `${String(s.id).padStart(6)}  ${s.name}  (${s.spectra} spectr${s.spectra === 1 ? 'um' : 'a'}${s.formula ? `, ${s.formula}` : ''}${s.tags.length ? `, tags: ${s.tags.join(', ')}` : ''})`;
}

function printDetail(io: CliIO, json: boolean, d: StoredSubstanceDetail): void {
  if (json) {
    io.out(jsonLine(d));
    return;
  }
  io.out(`${d.name}  (id ${d.id})`);
  if (d.aliases.length) io.out(`  aliases:  ${d.aliases.join('; ')}`);
  if (d.formula) io.out(`  formula:  ${d.formula}`);
  if (d.elements.length) io.out(`  elements: ${d.elements.join(' ')}`);
  if (d.cas) io.out(`  CAS:      ${d.cas}`);
  if (d.tags.length) io.out(`  tags:     ${d.tags.join(', ')}`);
  if (d.notes) io.out(`  notes:    ${d.notes}`);
  io.out(`  spectra:`);
  for (const s of d.spectraList) {
    io.out(`    ${String(s.id).padStart(6)}  ${s.sourceFile}  ${s.points} points ${s.xMin.toFixed(1)}–${s.xMax.toFixed(1)} cm⁻¹${s.laserNm ? `, ${s.laserNm} nm` : ''}${s.sampleId ? `, ${s.sampleId}` : ''}`);
  }
}

async function runImport(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { name: { type: 'string' }, 'no-embed': { type: 'boolean' }, instrument: { type: 'string' } });
  if (positionals.length === 0) throw new SpecmatchError('E_USAGE', 'library import needs at least one PATH');
  const json = values['json'] === true;
  const model: EmbeddingModel | null = values['no-embed'] === true ? null : await loadDefaultModelIfAny();
  const lib = openLibraryForCli(str(values['library']), { create: true, err: (line) => io.err(line) });
  try {
    let lastDraw = 0;
    const report = await lib.importPaths(positionals, {
      ...(str(values['name']) === undefined ? {} : { name: str(values['name'])! }),
      ...(str(values['instrument']) === undefined ? {} : { instrument: str(values['instrument'])! }),
      model,
      signal: io.signal,
      onProgress(done, total) {
        if (!io.errIsTTY) return;
        const t = Date.now();
        if (t - lastDraw < 100 && done < total) return;
        lastDraw = t;
        process.stderr.write(`\rimporting ${done}/${total} files${done === total ? '\n' : ''}`);
      },
    });
    for (const r of report.results) {
      if (json) {
        io.out(
          jsonLine(r.error ? { file: r.file, error: r.error } : { file: r.file, format: r.format, spectra: r.spectra, added: r.added, duplicates: r.duplicates, ...(r.warnings ? { warnings: r.warnings } : {}) }),
        );
      } else if (r.error) io.err(`error: ${r.error.message}`);
      else for (const w of r.warnings ?? []) io.err(`warning: ${r.file}: ${w}`);
    }
    const rate = report.spectra / Math.max(1e-3, report.elapsedMs / 1000);
    const summary = {
      library: lib.path,
      files: report.files,
      spectra: report.spectra,
      added: report.added,
      duplicates: report.duplicates,
      substancesCreated: report.substancesCreated,
      errors: report.errors.length,
      embedded: report.embedded,
      cancelled: report.cancelled,
      seconds: Number((report.elapsedMs / 1000).toFixed(3)),
    };
    if (json) io.out(jsonLine({ summary }));
    else {
      io.out(
        `${lib.path}: ${report.added} spectra added (${report.substancesCreated} new substances), ${report.duplicates} already present, ${report.errors.length} file${report.errors.length === 1 ? '' : 's'} failed; ${report.files} files in ${summary.seconds} s (${rate.toFixed(0)} spectra/s)${report.cancelled ? '; cancelled' : ''}`,
      );
    }
  } finally {
    lib.close();
    model?.dispose();
  }
  return 0;
}

function withLibrary(values: Record<string, unknown>, io: CliIO, fn: (lib: Library) => void): number {
  const lib = openLibraryForCli(str(values['library']), { err: (line) => io.err(line) });
  try {
    fn(lib);
  } finally {
    lib.close();
  }
  return 0;
}

async function runMap(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { recompute: { type: 'boolean' } });
  if (positionals.length > 0) throw new SpecmatchError('E_USAGE', `library map takes no positional argument, got '${positionals[0]!}'`);
  const model = await loadDefaultModelIfAny();
  const lib = openLibraryForCli(str(values['library']), { err: (line) => io.err(line) });
  try {
    await embedMissingForCli(lib, model, io);
    const t0 = Date.now();
    const m = (await libraryMap(lib, {
      model,
      force: values['recompute'] === true,
      signal: io.signal,
      onProgress(done, total, phase) {
        if (io.errIsTTY) process.stderr.write(`\r${phase} ${done}/${total}${done === total ? '\n' : ''}`);
      },
    }))!;
    if (values['json'] === true)
      for (const p of m.points) io.out(jsonLine({ spectrumId: p.spectrumId, substanceId: p.substanceId, substance: p.substance, sampleId: p.sampleId, group: p.group, x: p.x, y: p.y }));
    else
      for (const g of MAP_GROUPS) {
        const n = m.points.filter((p) => p.group === g).length;
        if (n > 0) io.out(`${g.padEnd(30)} ${n}`);
      }
    io.err(`${lib.path}: map of ${m.points.length} references from ${m.vectorKey} (neighbours by ${m.method}) ${m.cached ? `read from the cache (computed ${m.computedAt})` : `computed in ${((Date.now() - t0) / 1000).toFixed(1)} s`}`);
  } finally {
    lib.close();
    model?.dispose();
  }
  return 0;
}

async function runCheck(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { kind: { type: 'string', multiple: true }, 'include-dismissed': { type: 'boolean' } });
  if (positionals.length > 0) throw new SpecmatchError('E_USAGE', `library check takes no positional argument, got '${positionals[0]!}'`);
  const kinds = listOpt(values['kind']) ?? [];
  for (const k of kinds) if (!(CHECK_KINDS as readonly string[]).includes(k)) throw new SpecmatchError('E_USAGE', `--kind expects one of ${CHECK_KINDS.join(', ')}, got '${k}'`);
  const json = values['json'] === true;
  const model = await loadDefaultModelIfAny();
  const lib = openLibraryForCli(str(values['library']), { err: (line) => io.err(line) });
  try {
    const method = defaultMethodFor(model?.manifest);
    if (model && (method === 'siamese' || method === 'fused') && lib.embeddingStatus(model.key).missing > 0) {
      io.err(`computing ${lib.embeddingStatus(model.key).missing} missing embeddings with ${model.key} first`);
      await lib.recomputeEmbeddings(model, { signal: io.signal });
    }
    const r = await checkLibrary(lib, {
      model,
      includeDismissed: values['include-dismissed'] === true,
      onProgress(done, total) {
        if (io.errIsTTY && (done === total || done % 200 === 0)) process.stderr.write(`\rchecking ${done}/${total}${done === total ? '\n' : ''}`);
      },
    });
    const shown = r.findings.filter((f) => kinds.length === 0 || kinds.includes(f.kind));
    if (json) for (const f of shown) io.out(jsonLine(findingJson(f)));
    else {
      for (const f of shown) {
        io.out(`${f.kind.padEnd(11)} ${f.score.toFixed(3)}  ${f.spectrumIds.map((id, i) => `${f.substances[i]!} [spectrum ${id}]`).join(' / ')}${f.dismissed ? '  (dismissed)' : ''}`);
        io.out(`            ${f.evidence}`);
      }
    }
    const counts = CHECK_KINDS.map((k) => `${r.findings.filter((f) => f.kind === k).length} ${k}`).join(', ');
    io.err(`${lib.path}: ${r.spectra} spectra checked by ${r.method} in ${(r.elapsedMs / 1000).toFixed(1)} s: ${counts}${r.dismissed ? `; ${r.dismissed} dismissed` : ''}`);
  } finally {
    lib.close();
    model?.dispose();
  }
  return 0;
}

export const command: CliCommand = {
  summary: 'create, import into, search and edit a reference library',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'import':
        return runImport(rest, io);
      case 'info': {
        const { values } = parse(rest, {});
        return withLibrary(values, io, (lib) => {
          const info = lib.info();
          if (values['json'] === true) io.out(jsonLine(info));
          else {
            io.out(`${info.path}: '${info.name}', schema ${info.schemaVersion}, ${info.substances} substances, ${info.spectra} spectra, journal ${info.journalMode}`);
            for (const k of info.modelKeys) io.out(`  vectors ${k.key}: ${k.spectra}`);
          }
        });
      }
      case 'verify': {
        const { values } = parse(rest, {});
        let ok = false;
        withLibrary(values, io, (lib) => {
          const r = lib.check();
          ok = r.ok;
          if (values['json'] === true) io.out(jsonLine(r));
          else if (r.ok) io.out(`${lib.path}: ok (every page read, references consistent)`);
          else {
            for (const p of r.problems) io.err(`damaged: ${p}`);
            io.out(`${lib.path}: damaged; ${r.hint}`);
          }
        });
        return ok ? 0 : 1;
      }
      case 'list':
      case 'search': {
        const { values, positionals } = parse(rest, { limit: { type: 'string' }, offset: { type: 'string' }, element: { type: 'string', multiple: true }, tag: { type: 'string' } });
        if (sub === 'list' && positionals.length > 0) throw new SpecmatchError('E_USAGE', `library list takes no TEXT (use library search)`);
        if (positionals.length > 1) throw new SpecmatchError('E_USAGE', 'library search takes one TEXT (quote it when it has spaces)');
        return withLibrary(values, io, (lib) => {
          const elements = listOpt(values['element']);
          const page = lib.listSubstances({
            ...(positionals[0] === undefined ? {} : { query: positionals[0] }),
            ...(elements === undefined || elements.length === 0 ? {} : { element: elements }),
            ...(str(values['tag']) === undefined ? {} : { tag: str(values['tag'])! }),
            limit: intOption(values['limit'], 'limit', sub === 'list' ? 100_000 : 200),
            offset: intOption(values['offset'], 'offset', 0),
          });
          if (values['json'] === true) for (const s of page.items) io.out(jsonLine(s));
          else {
            for (const s of page.items) io.out(summaryLine(s));
            io.err(`${page.items.length} of ${page.total} substances`);
          }
        });
      }
      case 'show': {
        const { values, positionals } = parse(rest, {});
        if (positionals.length !== 1) throw new SpecmatchError('E_USAGE', 'library show needs one SUBSTANCE');
        return withLibrary(values, io, (lib) => printDetail(io, values['json'] === true, lib.getSubstance(resolveSubstance(lib, positionals[0]!))));
      }
      case 'remove': {
        const { values, positionals } = parse(rest, {});
        if (positionals.length === 0) throw new SpecmatchError('E_USAGE', 'library remove needs at least one SUBSTANCE');
        return withLibrary(values, io, (lib) => {
          const ids = positionals.map((p) => resolveSubstance(lib, p));
          for (const id of ids) {
            const name = lib.getSubstance(id).name;
            const undoToken = lib.removeSubstance(id);
            if (values['json'] === true) io.out(jsonLine({ removed: id, name, undoToken }));
            else io.out(`removed ${name} (id ${id}); undo with: specmatch library undo ${undoToken}`);
          }
        });
      }
      case 'rename': {
        const { values, positionals } = parse(rest, {});
        if (positionals.length !== 2) throw new SpecmatchError('E_USAGE', 'library rename needs SUBSTANCE and NEW-NAME');
        return withLibrary(values, io, (lib) => {
          const id = resolveSubstance(lib, positionals[0]!);
          lib.renameSubstance(id, positionals[1]!);
          printDetail(io, values['json'] === true, lib.getSubstance(id));
        });
      }
      case 'merge': {
        const { values, positionals } = parse(rest, {});
        if (positionals.length < 2) throw new SpecmatchError('E_USAGE', 'library merge needs INTO and at least one FROM substance');
        return withLibrary(values, io, (lib) => {
          const [into, ...from] = positionals.map((p) => resolveSubstance(lib, p));
          const r = lib.mergeSubstances(into!, from);
          if (values['json'] === true) io.out(jsonLine({ ...r.substance, undoToken: r.undoToken }));
          else {
            printDetail(io, false, r.substance);
            io.err(`undo with: specmatch library undo ${r.undoToken}`);
          }
        });
      }
      case 'undo': {
        const { values, positionals } = parse(rest, {});
        if (positionals.length !== 1) throw new SpecmatchError('E_USAGE', 'library undo needs one TOKEN (printed by remove or merge)');
        return withLibrary(values, io, (lib) => {
          const { substanceId } = lib.undo(positionals[0]!);
          printDetail(io, values['json'] === true, lib.getSubstance(substanceId));
        });
      }
      case 'edit': {
        const { values, positionals } = parse(rest, {
          name: { type: 'string' },
          alias: { type: 'string', multiple: true },
          formula: { type: 'string' },
          cas: { type: 'string' },
          tag: { type: 'string', multiple: true },
          notes: { type: 'string' },
        });
        if (positionals.length !== 1) throw new SpecmatchError('E_USAGE', 'library edit needs one SUBSTANCE');
        const patch: StoredSubstancePatch = {};
        if (str(values['name']) !== undefined) patch.name = str(values['name'])!;
        const aliases = listOpt(values['alias']);
        if (aliases !== undefined) patch.aliases = aliases;
        const tags = listOpt(values['tag']);
        if (tags !== undefined) patch.tags = tags;
        if (str(values['formula']) !== undefined) patch.formula = str(values['formula'])!;
        if (str(values['cas']) !== undefined) patch.cas = str(values['cas'])!;
        if (str(values['notes']) !== undefined) patch.notes = str(values['notes'])!;
        if (Object.keys(patch).length === 0) throw new SpecmatchError('E_USAGE', 'library edit needs at least one of --name, --alias, --formula, --cas, --tag, --notes');
        return withLibrary(values, io, (lib) => printDetail(io, values['json'] === true, lib.editSubstance(resolveSubstance(lib, positionals[0]!), patch)));
      }
      case 'export': {
        const { values, positionals } = parse(rest, {});
        if (positionals.length !== 1) throw new SpecmatchError('E_USAGE', 'library export needs one DEST file');
        const dest = positionals[0]!;
        return withLibrary(values, io, (lib) => {
          if (dest.toLowerCase().endsWith('.zip')) {
            const n = lib.exportJcampZip(dest);
            if (values['json'] === true) io.out(jsonLine({ exported: dest, format: 'jcamp-dx-zip', spectra: n }));
            else io.out(`${dest}: ${n} spectra as JCAMP-DX`);
          } else {
            lib.exportLibrary(dest);
            if (values['json'] === true) io.out(jsonLine({ exported: dest, format: 'specmatch-library' }));
            else io.out(`${dest}: library copy written`);
          }
        });
      }
      case 'merge-from': {
        const { values, positionals } = parse(rest, {});
        if (positionals.length !== 1) throw new SpecmatchError('E_USAGE', 'library merge-from needs one OTHER-LIBRARY file');
        return withLibrary(values, io, (lib) => {
          const r = lib.mergeFrom(positionals[0]!);
          if (values['json'] === true) io.out(jsonLine(r));
          else io.out(`merged ${positionals[0]!}: ${r.spectraAdded} spectra added (${r.substancesAdded} new substances, ${r.substancesMatched} existing), ${r.duplicates} already present`);
        });
      }
      case 'embed': {
        const { values } = parse(rest, {});
        const model = await loadDefaultModelIfAny();
        if (!model) throw new SpecmatchError('E_MODEL', 'no Siamese model is installed (resources/models/)');
        const lib = openLibraryForCli(str(values['library']), { err: (line) => io.err(line) });
        try {
          const r = await lib.recomputeEmbeddings(model, {
            signal: io.signal,
            onProgress: (done, total) => {
              if (io.errIsTTY) process.stderr.write(`\rembedding ${done}/${total}${done === total ? '\n' : ''}`);
            },
          });
          if (values['json'] === true) io.out(jsonLine({ key: model.key, ...r }));
          else {
            for (const e of r.errors) io.err(`warning: spectrum ${e.spectrumId}: ${e.message}`);
            io.out(`${lib.path}: ${r.computed} embeddings computed with ${model.key}${r.failed ? `, ${r.failed} spectra could not be embedded` : ''}${r.cancelled ? ' (cancelled)' : ''}`);
          }
        } finally {
          lib.close();
          model.dispose();
        }
        return 0;
      }
      case 'check':
        return runCheck(rest, io);
      case 'map':
        return runMap(rest, io);
      case undefined:
        throw new SpecmatchError('E_USAGE', 'library needs a SUBCOMMAND');
      default:
        throw new SpecmatchError('E_USAGE', `unknown library subcommand '${sub}'`);
    }
  },
};
