#!/usr/bin/env python3
"""Reference outputs for Specmatch's preprocessing steps, computed independently with numpy/scipy.

Each algorithm is written here from its published formula (or taken from scipy where scipy implements it), on a
few small deterministic inputs, and written to test/fixtures/preprocess/reference.json. The Vitest suite
src-core/preprocess/__tests__/reference.test.ts runs the TypeScript steps on the same inputs and compares within
tolerance. Regenerate with:

    python3 scripts/reference/generate.py

Sources: Savitzky & Golay 1964 (scipy.signal.savgol_filter, mode 'interp'); Eilers 2003 Whittaker smoother and
Eilers & Boelens 2005 ALS (scipy.sparse + spsolve); Baek et al. 2015 arPLS; Zhang et al. 2010 airPLS; Zhao et al.
2007 IModPoly; rubberband = lower convex hull (scipy.spatial.ConvexHull); Whitaker & Hayes 2018 despiking;
natural cubic spline (scipy.interpolate.CubicSpline, bc_type='natural'); numpy for linear interpolation and the
normalisations.
"""
import json
import os

import numpy as np
from scipy import sparse
from scipy.interpolate import CubicSpline
from scipy.signal import savgol_filter
from scipy.sparse.linalg import spsolve
from scipy.spatial import ConvexHull

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'preprocess', 'reference.json')


def make_inputs():
    """Three small synthetic Raman-like spectra: bands on curved backgrounds with Gaussian noise (seeded)."""
    rng = np.random.default_rng(20240601)
    inputs = []
    # 1: two Lorentzian bands on a quadratic fluorescence background, uneven-ish axis.
    x = np.linspace(200.0, 1200.0, 240)
    bg = 200 + 0.3 * (x - 200) - 1.5e-4 * (x - 200) ** 2
    y = bg + 500 / (1 + ((x - 465) / 6) ** 2) + 220 / (1 + ((x - 820) / 10) ** 2) + rng.normal(0, 4, x.size)
    inputs.append({'name': 'lorentzian-quadratic', 'x': x, 'y': y})
    # 2: Gaussian bands on an exponential decay, with one cosmic spike.
    x = np.linspace(100.0, 1800.0, 300)
    bg = 800 * np.exp(-(x - 100) / 600) + 50
    y = bg + 300 * np.exp(-0.5 * ((x - 1000) / 8) ** 2) + 150 * np.exp(-0.5 * ((x - 1350) / 15) ** 2) + rng.normal(0, 3, x.size)
    y[150] += 900.0
    inputs.append({'name': 'gaussian-exponential-spike', 'x': x, 'y': y})
    # 3: short spectrum with a sloped line and one broad band.
    x = np.linspace(0.0, 99.0, 100)
    y = 10 + 0.5 * x + 40 * np.exp(-0.5 * ((x - 40) / 5) ** 2) + rng.normal(0, 0.5, x.size)
    inputs.append({'name': 'short-linear', 'x': x, 'y': y})
    return inputs


def diff_matrix(n, d):
    return sparse.csc_matrix(np.diff(np.eye(n), d, axis=0))


def whittaker(y, lam, d, w=None):
    n = y.size
    D = diff_matrix(n, d)
    W = sparse.diags(np.ones(n) if w is None else w)
    return spsolve(sparse.csc_matrix(W + lam * D.T @ D), (np.ones(n) if w is None else w) * y)


def als(y, lam, p, d=2, max_iter=20):
    """Eilers & Boelens 2005: reweight p above / 1-p below until the weights stop changing."""
    n = y.size
    D = diff_matrix(n, d)
    P = lam * D.T @ D
    w = np.ones(n)
    for _ in range(max_iter):
        z = spsolve(sparse.csc_matrix(sparse.diags(w) + P), w * y)
        w_new = np.where(y > z, p, 1 - p)
        if np.array_equal(w_new, w):
            break
        w = w_new
    return z


def arpls(y, lam, ratio=1e-3, d=2, max_iter=50):
    """Baek et al. 2015, Analyst 140:250, algorithm as published (logistic weights of the negative residuals)."""
    n = y.size
    D = diff_matrix(n, d)
    P = lam * D.T @ D
    w = np.ones(n)
    for _ in range(max_iter):
        z = spsolve(sparse.csc_matrix(sparse.diags(w) + P), w * y)
        dres = y - z
        dn = dres[dres < 0]
        if dn.size < 2:
            break
        m = dn.mean()
        s = dn.std()
        if s <= 0:
            break
        with np.errstate(over='ignore'):
            wt = 1.0 / (1.0 + np.exp(2 * (dres - (2 * s - m)) / s))
        stop = np.linalg.norm(w - wt) / np.linalg.norm(w) < ratio
        w = wt
        if stop:
            break
    return z


def airpls(y, lam, d=2, tol=1e-3, max_iter=15):
    """Zhang et al. 2010, Analyst 135:1138, as in the authors' published code (order d penalty)."""
    n = y.size
    w = np.ones(n)
    for t in range(1, max_iter + 1):
        z = whittaker(y, lam, d, w)
        dres = y - z
        dssn = np.abs(dres[dres < 0].sum())
        if dssn == 0 or dssn < tol * np.abs(y).sum() or t == max_iter:
            break
        w[dres >= 0] = 0
        w[dres < 0] = np.exp(t * np.abs(dres[dres < 0]) / dssn)
        w[0] = np.exp(t * dres[dres < 0].max() / dssn)
        w[-1] = w[0]
    return z


def imodpoly(x, y, degree=5, tol=1e-3, max_iter=100):
    """Zhao et al. 2007: fit, drop points above fit+DEV once, then clip to fit+DEV and refit until DEV settles."""
    u = (x - (x[0] + x[-1]) / 2) / ((x[-1] - x[0]) / 2)
    P = np.polynomial.polynomial
    coef = P.polyfit(u, y, degree)
    fit = P.polyval(u, coef)
    dev = np.std(y - fit)
    keep = y <= fit + dev
    uu = u[keep]
    work = y[keep].copy()
    for _ in range(1, max_iter):
        coef = P.polyfit(uu, work, degree)
        fit = P.polyval(uu, coef)
        new_dev = np.std(work - fit)
        work = np.minimum(work, fit + new_dev)
        converged = abs(new_dev - dev) <= tol * new_dev
        dev = new_dev
        if converged:
            break
    return P.polyval(u, coef)


def rubberband(x, y):
    """Lower convex hull: the hull edges whose outward normal points down (negative y component), interpolated."""
    hull = ConvexHull(np.column_stack([x, y]))
    lower = set()
    for simplex, eq in zip(hull.simplices, hull.equations):
        if eq[1] < 0:
            lower.update(int(i) for i in simplex)
    v = np.array(sorted(lower))
    return np.interp(x, x[v], y[v])


def whitaker_hayes(y, threshold=6.0, m=3):
    """Whitaker & Hayes 2018: modified z-score of first differences; flagged pixels -> mean of unflagged neighbours."""
    dy = np.diff(y)
    med = np.median(dy)
    mad = np.median(np.abs(dy - med))
    out = y.copy()
    if mad <= 0:
        return out
    z = 0.6745 * (dy - med) / mad
    spike = np.zeros(y.size, dtype=bool)
    idx = np.nonzero(np.abs(z) > threshold)[0]
    spike[idx] = True
    spike[idx + 1] = True
    for i in np.nonzero(spike)[0]:
        lo, hi = max(0, i - m), min(y.size, i + m + 1)
        nb = [j for j in range(lo, hi) if not spike[j]]
        if nb:
            out[i] = y[nb].mean()
    return out


def lst(a):
    # 12 significant digits: far below every test tolerance, and keeps the fixture small.
    return [float(f'{v:.12g}') for v in a]


def main():
    cases = []
    for inp in make_inputs():
        x, y = inp['x'], inp['y']
        dx = (x[-1] - x[0]) / (x.size - 1)
        grid = np.linspace(x[0] + 3.3, x[-1] - 7.1, 57)
        c = {'name': inp['name'], 'x': lst(x), 'y': lst(y), 'outputs': {}}
        o = c['outputs']
        o['savitzkyGolay w11 p3'] = lst(savgol_filter(y, 11, 3))
        o['savitzkyGolay w7 p2'] = lst(savgol_filter(y, 7, 2))
        o['savitzkyGolay w15 p4 d1'] = lst(savgol_filter(y, 15, 4, deriv=1, delta=dx))
        o['savitzkyGolay w9 p3 d2'] = lst(savgol_filter(y, 9, 3, deriv=2, delta=dx))
        o['whittaker l10 d2'] = lst(whittaker(y, 10.0, 2))
        o['whittaker l1000 d1'] = lst(whittaker(y, 1000.0, 1))
        o['whittaker l100 d3'] = lst(whittaker(y, 100.0, 3))
        o['als l1e5 p0.01'] = lst(als(y, 1e5, 0.01))
        o['als l1e3 p0.05 d1'] = lst(als(y, 1e3, 0.05, d=1))
        o['arpls l1e5'] = lst(arpls(y, 1e5))
        o['airpls l1e4'] = lst(airpls(y, 1e4))
        o['imodpoly p3'] = lst(imodpoly(x, y, 3))
        o['imodpoly p5'] = lst(imodpoly(x, y, 5))
        o['rubberband'] = lst(rubberband(x, y))
        o['whitakerHayes t6 m3'] = lst(whitaker_hayes(y, 6.0, 3))
        c['grid'] = lst(grid)
        o['resample linear'] = lst(np.interp(grid, x, y))
        o['resample cubic'] = lst(CubicSpline(x, y, bc_type='natural')(grid))
        o['normalize max'] = lst(y / np.abs(y).max())
        o['normalize minmax'] = lst((y - y.min()) / (y.max() - y.min()))
        o['normalize vector'] = lst(y / np.linalg.norm(y))
        o['normalize area'] = lst(y / np.trapezoid(np.abs(y), x))
        o['normalize snv'] = lst((y - y.mean()) / y.std())
        cases.append(c)
    doc = {
        'generator': 'scripts/reference/generate.py',
        'numpy': np.__version__,
        'scipy': __import__('scipy').__version__,
        'cases': cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
