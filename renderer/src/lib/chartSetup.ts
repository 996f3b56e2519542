import { Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';

// Register only what the plots use (tree-shaken bundle, no global auto-registration).
Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler, zoomPlugin);

export { Chart };

/** One line on a chart. */
export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  dashed?: boolean;
  width?: number;
  /** Draw markers only (no line), e.g. residuals. */
  points?: boolean;
}

/** Current value of a CSS variable (chart colours follow the theme). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Distinct, colour-blind-safe series colours (Okabe & Ito 2008), query first. */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
