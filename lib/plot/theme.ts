/**
 * The look every chart shares: the font family, the vega config (sizes, colours) and the title
 * block, the one colour of each number of samples per iteration n ({@linkcode nColor}), and the
 * names of the sequential colour schemes the chart builders accept.
 *
 * @module
 */

// @ts-types="npm:@types/d3-scale-chromatic@3.1.0"
import { interpolatePlasma } from "d3-scale-chromatic";
import type { Config } from "vega-lite";
import type { TitleSpec } from "./spec.ts";

/** The font family every chart uses; its files come from the `dejavu-fonts-ttf` npm package. */
export const FONT_FAMILY = "DejaVu Sans";

/**
 * The sequential vega colour schemes offered for colour by `n` or by iteration. Each is a vega
 * scheme name: the typed encodings reject any name vega-lite's `ColorScheme` lacks.
 */
export type ColorSchemeName =
  | "viridis"
  | "plasma"
  | "magma"
  | "inferno"
  | "cividis"
  | "turbo"
  | "blues"
  | "greens"
  | "purples"
  | "oranges"
  | "reds"
  | "bluepurple"
  | "purplered"
  | "yellowgreenblue"
  | "yelloworangered"
  | "darkblue"
  | "darkmulti";

/** Shared look of every chart: white background, DejaVu Sans, readable sizes. */
export function baseConfig(): Config {
  return {
    background: "white",
    font: FONT_FAMILY,
    padding: 8,
    view: { stroke: "#d0d0d0" },
    title: {
      fontSize: 16,
      fontWeight: "bold",
      subtitleFontSize: 12,
      subtitleColor: "#444444",
      anchor: "start",
      offset: 10,
      limit: 0,
      subtitlePadding: 4,
    },
    axis: {
      labelFontSize: 12,
      titleFontSize: 13,
      titleFontWeight: "normal",
      gridColor: "#e3e3e3",
      domainColor: "#888888",
      tickColor: "#888888",
      labelColor: "#222222",
      titleColor: "#222222",
    },
    header: {
      labelFontSize: 15,
      labelColor: "#222222",
      titleFontSize: 15,
    },
    legend: {
      labelFontSize: 12,
      titleFontSize: 13,
      titleFontWeight: "normal",
      titleLimit: 400,
      labelLimit: 300,
    },
  };
}

/**
 * The title block of a chart, or undefined when there is neither title nor subtitle. A subtitle
 * without a title is drawn in the title's place, in the subtitle's look: vega draws no subtitle
 * under an empty title.
 */
export function titleBlock(
  title: string | undefined,
  subtitle: string | readonly string[] | undefined,
): TitleSpec | undefined {
  const sub = typeof subtitle === "string" ? subtitle : subtitle === undefined ? undefined : [...subtitle];
  if (title === undefined || title === "") {
    if (sub === undefined) return undefined;
    return { text: sub, fontSize: 12, fontWeight: "normal", color: "#444444" };
  }
  return sub === undefined ? { text: title } : { text: title, subtitle: sub };
}

/**
 * The colour of samples per iteration `n` in every figure, so that n = 32 looks the same in the
 * Gaussian, KDE and linear-regression figures whichever other n they show. matplotlib's plasma
 * (d3-scale-chromatic), at a position that rises with log10(n): 0.15 per half decade from 10 to
 * 1000 (the paper's 10, 32, 100, 316, 1000 at 0, 0.15, ..., 0.6: as far apart as five colours of
 * the readable part of plasma go), then 0.0625 per half decade up to 100,000 (the discrete
 * figures' 10^4 and 10^5 at 0.725 and 0.85). Other n fall in between; n outside [10, 100,000]
 * take the end colours (the palest 15% of plasma is unreadable on white).
 */
export function nColor(n: number): string {
  const e = Math.log10(n);
  const t = !(e > 1) ? 0 : e <= 3 ? 0.3 * (e - 1) : Math.min(0.85, 0.6 + 0.125 * (e - 3));
  return interpolatePlasma(t);
}
