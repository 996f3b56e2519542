/**
 * Chemical elements named in a formula, for search by element. Reads RRUFF's IDEAL CHEMISTRY markup
 * (`Ca(CO_3_)`, `(Mg,Fe^2+^)_2_SiO_4_`, `[box]`, `REE`, HTML entities already decoded) as well as plain formulas.
 * Only real element symbols are returned; markup words such as `box` or `REE` yield nothing.
 */
const SYMBOLS = new Set(
  (
    'H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr ' +
    'Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir ' +
    'Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl ' +
    'Mc Lv Ts Og'
  ).split(' '),
);

export function parseElements(formula: string | null | undefined): string[] {
  if (!formula) return [];
  // Drop RRUFF markup that is not chemistry: [box] (vacancy), charges between ^…^, HTML-like tags.
  const text = formula.replace(/\[box\]/gi, ' ').replace(/\^[^^]*\^/g, ' ').replace(/<[^>]*>/g, ' ');
  const found = new Set<string>();
  const re = /[A-Z][a-z]*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const word = m[0];
    // A capital followed by lower-case letters: a two-letter symbol when it is one ("Ca"), else the one-letter
    // symbol ("Co" is cobalt, "Cx" is C then nothing). Longer words ("Ree", "Box") are not formulas: skip.
    if (word.length >= 3) continue;
    if (SYMBOLS.has(word)) found.add(word);
    else if (SYMBOLS.has(word[0]!)) found.add(word[0]!);
  }
  return [...found].sort();
}
