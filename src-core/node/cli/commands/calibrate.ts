import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrateSpectra } from '../../../calibration/calibrate.js';
import type { CalibrationFit } from '../../../calibration/calibrate.js';
import { parseRule } from '../../../calibration/profile.js';
import type { InstrumentRule } from '../../../calibration/profile.js';
import { STANDARD_IDS, standardById } from '../../../calibration/standards.js';
import { SpecmatchError } from '../../../errors.js';
import type { Spectrum } from '../../../spectrum/Spectrum.js';
import { readSpectrumFile } from '../../io/readSpectrumFile.js';
import { openLibraryForCli } from '../../library/cliSupport.js';
import type { Library } from '../../library/Library.js';
import type { CliCommand } from '../CliCommand.js';
import { jsonLine } from '../output.js';

const USAGE = `specmatch calibrate --standard S [--laser NM] [--library FILE --instrument NAME] [options] [--json] FILE…

Calibrates an instrument's Raman-shift axis on spectra of a standard (several FILEs of one standard are fitted
together): finds the standard's lines, matches them to the reference positions (a wrong starting offset of
±20 cm⁻¹ or a few nm is found again), fits a smooth monotonic correction and prints each line's residual and the
RMS. A fit that is not monotonic, matches too few lines or has a poor RMS is refused (exit 1, with the reason).
  --standard S       ${STANDARD_IDS.join(' | ')} (neon: NIST Ne I lines; polystyrene, cyclohexane,
                     naphthalene, sulfur: ASTM E1840; silicon: 520.45 cm⁻¹)
  --laser NM         laser wavelength (default: the file's, else the instrument's); needed for neon and for files
                     whose axis is in nm
  --instrument NAME  store the accepted calibration as NAME's newest (NAME is created when new); a shift standard
                     measured after a neon calibration corrects the laser wavelength on top of it
  --library FILE     library holding the instrument profiles (default: your default library)
  --serial SN        instrument serial number (stored with a new instrument)
  --recognise F=TEXT how the instrument's files are recognised: metadata field F (instrument, sourceFile, format,
                     or a header field such as title) contains TEXT; repeatable (default for a new instrument:
                     instrument=<the first file's instrument name> when the file states one)
  --max-rms CM       refuse a fit whose RMS exceeds CM cm⁻¹ (default 1.0)
  --max-offset CM    widest starting misalignment searched, cm⁻¹ (default 40)
  --json             one line: {"instrument","standard","lines":[{"reference","found","residual"}],"rms","accepted"}
Exit 0 when the fit is accepted (and stored with --instrument), 1 when it is refused or cannot be made, 2 on usage
errors.`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new SpecmatchError('E_USAGE', `--${name} expects a positive number, got '${v}'`);
  return n;
}

function humanLines(fit: CalibrationFit, instrument: string | null): string[] {
  const out = [`${fit.standard}${instrument ? ` on ${instrument}` : ''}: ${fit.lines.length} lines matched, polynomial degree ${fit.degree}, coarse offset ${fit.search.offset.toFixed(2)} cm⁻¹`];
  out.push('  reference cm⁻¹  found cm⁻¹  residual' + (fit.lines.some((l) => l.referenceNm !== undefined) ? '  (lamp line nm)' : ''));
  for (const l of fit.lines) {
    out.push(`  ${l.reference.toFixed(2).padStart(14)}  ${l.found.toFixed(2).padStart(10)}  ${`${l.residual >= 0 ? '+' : ''}${l.residual.toFixed(3)}`.padStart(8)}${l.referenceNm !== undefined ? `  ${l.referenceNm.toFixed(4)}` : ''}`);
  }
  out.push(`  RMS ${Number.isFinite(fit.rms) ? fit.rms.toFixed(3) : '—'} cm⁻¹${fit.resolutionCm ? `, resolution (median FWHM) ${fit.resolutionCm.toFixed(1)} cm⁻¹` : ''}`);
  if (fit.laser.nominalNm && fit.laser.correctedNm && Math.abs(fit.laser.correctedNm - fit.laser.nominalNm) > 1e-6) {
    out.push(`  laser ${fit.laser.nominalNm} nm corrected to ${fit.laser.correctedNm.toFixed(3)} nm (${fit.map.offset >= 0 ? '+' : ''}${fit.map.offset.toFixed(2)} cm⁻¹)`);
  }
  out.push(fit.accepted ? '  accepted' : `  refused: ${fit.reason ?? ''}`);
  return out;
}

export const command: CliCommand = {
  summary: 'calibrate an instrument\'s wavenumber axis on a standard and store it',
  usage: USAGE,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          standard: { type: 'string' },
          laser: { type: 'string' },
          instrument: { type: 'string' },
          library: { type: 'string' },
          serial: { type: 'string' },
          recognise: { type: 'string', multiple: true },
          'max-rms': { type: 'string' },
          'max-offset': { type: 'string' },
          json: { type: 'boolean' },
        },
      });
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const { values, positionals: files } = parsed;
    if (files.length === 0) throw new SpecmatchError('E_USAGE', 'calibrate needs at least one FILE of the standard');
    if (values.standard === undefined) throw new SpecmatchError('E_USAGE', `--standard is required (${STANDARD_IDS.join(', ')})`);
    const std = standardById(values.standard);
    if (!std) throw new SpecmatchError('E_USAGE', `unknown --standard '${values.standard}': one of ${STANDARD_IDS.join(', ')}`);
    const laser = num('laser', values.laser);
    const maxRms = num('max-rms', values['max-rms']);
    const maxOffset = num('max-offset', values['max-offset']);
    let rules: InstrumentRule[] | undefined;
    try {
      rules = values.recognise?.map(parseRule);
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
    const json = values.json === true;
    const name = values.instrument?.trim() || null;
    if (name === 'none') throw new SpecmatchError('E_USAGE', "'none' is not an instrument name");

    const spectra: Spectrum[] = [];
    for (const f of files) {
      const r = await readSpectrumFile(f);
      for (const w of r.warnings) io.err(`warning: ${w}`);
      if (r.spectra.length === 0) throw new SpecmatchError('E_EMPTY', `${f}: no spectrum`, { file: f });
      if (r.spectra.length > 1) io.err(`note: ${f} holds ${r.spectra.length} spectra; the first is used`);
      spectra.push(r.spectra[0]!);
    }

    let lib: Library | null = null;
    try {
      lib = name ? openLibraryForCli(values.library, { create: values.library !== undefined, err: (l) => io.err(l) }) : null;
      const known = lib && name ? lib.listInstruments().find((i) => i.name === name) : undefined;
      const latest = lib && known ? lib.latestCalibration(name!) : undefined;
      // A shift standard after a lamp calibration: keep the lamp's dispersion, fit the laser only.
      const base = std.kind === 'shift' && latest && standardById(latest.standard)?.kind === 'lamp' ? latest.xMap : null;
      if (base && !json) io.err(`note: ${name}'s latest calibration (#${latest!.id}) is a ${latest!.standard} lamp calibration: ${std.label} corrects the laser wavelength on top of it`);
      const laserNm = laser ?? (known?.laserNm ?? undefined);
      const fit = calibrateSpectra(spectra, std, { ...(laserNm ? { laserNm } : {}), ...(maxRms ? { maxRmsCm: maxRms } : {}), ...(maxOffset ? { maxOffsetCm: maxOffset } : {}), base });
      if (json) {
        io.out(jsonLine({ instrument: name, standard: std.id, lines: fit.lines.map((l) => ({ reference: l.reference, found: l.found, residual: l.residual })), rms: fit.rms, accepted: fit.accepted }));
      } else {
        for (const line of humanLines(fit, name)) io.out(line);
      }
      if (!fit.accepted) {
        io.err(`specmatch calibrate: error [E_CALIBRATION]: ${files.join(', ')}: ${fit.reason ?? 'refused'}`);
        return 1;
      }
      if (lib && name) {
        const first = spectra[0]!.meta;
        const recognise = rules ?? (known ? undefined : first.instrument ? [{ field: 'instrument', contains: first.instrument }] : []);
        const resolvedLaser = laserNm ?? first.laserNm ?? null;
        const cal = lib.addCalibration({ name, ...(values.serial ? { serial: values.serial } : {}), ...(known ? {} : { laserNm: resolvedLaser }), ...(recognise ? { recognise } : {}) }, fit, files.map((f) => basename(f)));
        if (rules || values.serial) lib.saveInstrument({ name, ...(values.serial ? { serial: values.serial } : {}), ...(rules ? { recognise: rules } : {}) });
        const inst = lib.listInstruments().find((i) => i.name === name)!;
        io.err(
          `stored as calibration #${cal.id} of ${name} in ${lib.path}${inst.recognise.length ? `; its files are recognised by ${inst.recognise.map((r) => `${r.field}∋'${r.contains}'`).join(' and ')}` : '; no recognition rule: apply it with --instrument'}`,
        );
      }
      return 0;
    } finally {
      lib?.close();
    }
  },
};
