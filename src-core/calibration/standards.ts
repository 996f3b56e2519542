/**
 * Reference line tables of the calibration standards, as data with their sources.
 *
 * Two kinds:
 * - `lamp`: emission lines in absolute air wavelength (nm). Their position on a Raman-shift axis depends on the
 *   laser: shift = 10⁷/λ_laser − 10⁷/λ_line (both air wavelengths, the convention of Raman instruments' own
 *   software). A lamp calibrates the spectrometer's dispersion; the laser wavelength is then fixed with a shift
 *   standard (see calibrate.ts).
 * - `shift`: Raman bands in cm⁻¹ shift, independent of the laser.
 *
 * `intensity` is a relative weight for matching (the strongest lines count more); it is the source's relative
 * intensity for neon and a rough visual estimate for the Raman standards, not a certified value.
 */
export type StandardKind = 'lamp' | 'shift';

export interface ReferenceLine {
  /** nm (air) for a lamp, cm⁻¹ Raman shift for a shift standard. */
  position: number;
  intensity: number;
}

export interface CalibrationStandard {
  id: string;
  label: string;
  kind: StandardKind;
  /** Where the positions come from. */
  source: string;
  lines: readonly ReferenceLine[];
  /** Fewest matched lines a fit on this standard needs. */
  minLines: number;
}

const line = (position: number, intensity: number): ReferenceLine => ({ position, intensity });

/**
 * Ne I, 500–1000 nm: observed air wavelengths and relative intensities of the NIST Atomic Spectra Database
 * (A. Kramida, Yu. Ralchenko, J. Reader and NIST ASD Team, NIST Atomic Spectra Database, ver. 5.11,
 * https://physics.nist.gov/asd, lines of Ne I). Lines weaker than 10 on NIST's scale are left out.
 */
const NEON: readonly ReferenceLine[] = [
  line(500.51587, 50), line(503.77512, 50), line(514.49384, 50), line(533.07775, 60), line(534.10938, 100),
  line(534.32834, 60), line(540.05618, 200), line(556.27662, 50), line(565.66588, 50), line(571.92248, 50),
  line(574.82985, 50), line(576.44188, 70), line(580.44496, 50), line(582.01558, 50), line(585.24879, 200),
  line(587.28275, 50), line(588.18952, 100), line(594.48342, 50), line(596.5471, 50), line(597.46273, 50),
  line(597.5534, 60), line(598.79074, 15), line(602.99969, 100), line(607.43377, 100), line(609.61631, 30),
  line(612.84499, 10), line(614.30626, 100), line(616.35939, 100), line(618.2146, 15), line(621.72812, 100),
  line(626.6495, 100), line(630.47889, 10), line(632.81646, 30), line(633.44278, 100), line(638.29917, 100),
  line(640.2248, 200), line(650.65281, 150), line(653.28822, 10), line(659.89529, 100), line(665.20927, 15),
  line(667.82762, 50), line(692.94673, 1000), line(702.40504, 300), line(703.24131, 800), line(705.12923, 20),
  line(705.91074, 100), line(717.39381, 800), line(721.32, 150), line(723.5188, 150), line(724.51666, 800),
  line(734.3945, 150), line(747.24386, 30), line(748.88712, 300), line(749.2102, 100), line(752.2818, 150),
  line(753.57741, 300), line(754.40443, 130), line(774.0738, 120), line(792.6201, 120), line(793.69961, 13),
  line(794.31814, 80), line(808.2458, 60), line(808.4345, 100), line(811.85492, 40), line(812.89108, 12),
  line(813.64054, 170), line(825.9379, 30), line(826.4807, 100), line(826.60772, 70), line(826.71162, 10),
  line(830.03258, 300), line(831.4995, 100), line(836.57466, 50), line(837.2106, 100), line(837.7608, 800),
  line(841.71606, 30), line(841.84274, 250), line(846.33575, 40), line(848.44435, 13), line(849.53598, 700),
  line(854.46958, 15), line(857.13524, 30), line(859.12584, 400), line(863.4647, 350), line(864.70411, 60),
  line(865.43831, 600), line(865.5522, 80), line(866.8256, 100), line(867.94925, 130), line(868.19211, 150),
  line(870.41116, 30), line(877.16563, 100), line(878.06226, 600), line(878.37533, 400), line(885.38668, 300),
  line(886.53063, 20), line(886.57552, 150), line(891.95006, 60), line(898.85564, 20), line(907.9462, 100),
  line(914.86716, 120), line(920.17591, 90), line(922.00601, 60), line(922.15801, 20), line(922.66903, 20),
  line(928.7563, 200), line(930.08527, 80), line(931.39726, 30), line(932.65068, 70), line(937.33078, 15),
  line(942.53788, 50), line(945.92095, 30), line(948.66818, 50), line(953.41629, 60), line(954.74049, 30),
  line(957.7013, 120), line(966.54197, 180), line(980.886, 100),
];

/**
 * The standards Specmatch knows. Raman shift standards: ASTM E1840-96 (reapproved 2022), "Standard Guide for Raman
 * Shift Standards for Spectrometer Calibration", Table 1 (polystyrene, cyclohexane, naphthalene, sulfur).
 */
export const STANDARDS: readonly CalibrationStandard[] = [
  {
    id: 'neon',
    label: 'Neon lamp',
    kind: 'lamp',
    source: 'NIST Atomic Spectra Database ver. 5.11, Ne I observed air wavelengths (Kramida, Ralchenko, Reader and NIST ASD Team), https://physics.nist.gov/asd',
    lines: NEON,
    minLines: 5,
  },
  {
    id: 'polystyrene',
    label: 'Polystyrene',
    kind: 'shift',
    source: 'ASTM E1840-96 (2022), Standard Guide for Raman Shift Standards for Spectrometer Calibration, Table 1: polystyrene',
    lines: [
      line(620.9, 15), line(795.8, 10), line(1001.4, 100), line(1031.8, 30), line(1155.3, 15), line(1450.5, 10),
      line(1583.1, 10), line(1602.3, 30), line(2852.4, 10), line(2904.5, 15), line(3054.3, 35),
    ],
    minLines: 4,
  },
  {
    id: 'cyclohexane',
    label: 'Cyclohexane',
    kind: 'shift',
    source: 'ASTM E1840-96 (2022), Standard Guide for Raman Shift Standards for Spectrometer Calibration, Table 1: cyclohexane',
    lines: [
      line(384.1, 10), line(426.3, 15), line(801.3, 100), line(1028.3, 40), line(1157.6, 15), line(1266.4, 20),
      line(1444.4, 30), line(2664.4, 10), line(2852.9, 60), line(2923.8, 60), line(2938.3, 50),
    ],
    minLines: 4,
  },
  {
    id: 'naphthalene',
    label: 'Naphthalene',
    kind: 'shift',
    source: 'ASTM E1840-96 (2022), Standard Guide for Raman Shift Standards for Spectrometer Calibration, Table 1: naphthalene',
    lines: [line(513.8, 30), line(763.8, 100), line(1021.6, 20), line(1147.2, 10), line(1382.2, 80), line(1464.5, 20), line(1576.6, 20), line(3056.4, 20)],
    minLines: 4,
  },
  {
    id: 'sulfur',
    label: 'Sulfur',
    kind: 'shift',
    source: 'ASTM E1840-96 (2022), Standard Guide for Raman Shift Standards for Spectrometer Calibration, Table 1: sulfur',
    lines: [line(85.1, 40), line(153.8, 60), line(219.1, 100), line(473.2, 60)],
    minLines: 2,
  },
  {
    id: 'silicon',
    label: 'Silicon',
    kind: 'shift',
    source:
      'First-order optical phonon of crystalline silicon at room temperature, 520.45 cm⁻¹ (the value of the CHARISMA calibration protocol; it moves by about −0.022 cm⁻¹/K and with stress)',
    lines: [line(520.45, 100)],
    minLines: 1,
  },
];

export const STANDARD_IDS: readonly string[] = STANDARDS.map((s) => s.id);

export function standardById(id: string): CalibrationStandard | undefined {
  return STANDARDS.find((s) => s.id === id.toLowerCase());
}

/** Raman shift (cm⁻¹) of absolute air wavelength `nm` excited at `laserNm`. */
export function nmToShift(nm: number, laserNm: number): number {
  return 1e7 / laserNm - 1e7 / nm;
}

/** Absolute wavelength (nm) of a Raman shift (cm⁻¹) excited at `laserNm`. */
export function shiftToNm(shift: number, laserNm: number): number {
  return 1e7 / (1e7 / laserNm - shift);
}
