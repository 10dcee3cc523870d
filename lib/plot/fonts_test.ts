// Tests of fonts.ts: the font files, their metrics, and vega's text measurement.
import assert from "node:assert/strict";
import { fontFiles, installTextMetrics, loadFontMetrics } from "./fonts.ts";
import { specToSvg } from "./render.ts";
import { titleOnly } from "./_test_utils.ts";

Deno.test("fonts: DejaVu files found; without them resvg silently drops text (the guarded failure)", async () => {
  const files = fontFiles();
  assert.equal(files.length, 2);
  assert.match(files[0], /DejaVuSans\.ttf$/);
  assert.match(files[1], /DejaVuSans-Bold\.ttf$/);
  const { Resvg } = await import("@resvg/resvg-js");
  const svg = await specToSvg(titleOnly("Collapse or Thrive?"));
  const dark = (fonts: string[]): number => {
    const img = new Resvg(svg, {
      font: { fontFiles: fonts, loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
      background: "white",
    }).render();
    const px = img.pixels; // a getter that copies: read it once
    let count = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 128) count++;
    return count;
  };
  assert.ok(dark(files) > 500, "text drawn with the DejaVu files");
  assert.equal(dark([]), 0, "no fonts: no text, and no error");
});

Deno.test("parseFontMetrics: DejaVu Sans's em and tabular digits; unmapped code points get .notdef's advance", async () => {
  const metrics = await loadFontMetrics();
  for (const m of [metrics.regular, metrics.bold]) {
    assert.equal(m.unitsPerEm, 2048);
    const digits = [..."0123456789"].map((d) => m.advance(d.codePointAt(0) as number));
    assert.equal(new Set(digits).size, 1, "DejaVu's digits share one width");
    assert.ok(m.advance(0x20) > 0 && m.advance(0x20) < digits[0], "a space is narrower than a digit");
    // U+10FFFD (private use, plane 16) is in no DejaVu cmap: the .notdef glyph stands in.
    assert.equal(m.advance(0x10fffd), m.advance(0xe0000));
  }
  assert.ok(metrics.bold.advance(0x48) > metrics.regular.advance(0x48), "bold H is wider");
});

/** The width in px of the dark pixels of one line of text as resvg draws it. */
async function inkWidth(text: string, options: { size: number; bold: boolean }): Promise<number> {
  const { Resvg } = await import("@resvg/resvg-js");
  const weight = options.bold ? "bold" : "normal";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="100">` +
    `<text x="20" y="70" font-family="DejaVu Sans" font-size="${options.size}" font-weight="${weight}">` +
    `${text}</text></svg>`;
  const img = new Resvg(svg, {
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
    background: "white",
  }).render();
  const px = img.pixels;
  let left = Infinity;
  let right = -Infinity;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i] < 128) {
      const x = (i / 4) % img.width;
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  return right - left + 1;
}

Deno.test("installTextMetrics: vega measures text as wide as resvg draws it", async () => {
  const fake = { textMetrics: { width: (): number => 0 } };
  installTextMetrics(fake as never, await loadFontMetrics());
  const width = fake.textMetrics.width as (item: Record<string, unknown>, text: string) => number;
  const text = "HHHHHHHHHHHHHHHHHHHH"; // no kerning pairs
  for (const bold of [false, true]) {
    const measured = width({ fontSize: 40, fontWeight: bold ? "bold" : "normal" }, text);
    const ink = await inkWidth(text, { size: 40, bold });
    // The ink leaves out the first glyph's left and the last one's right side bearing: for H about
    // 0.1 em each, 4 px at 40 px. vega's own estimate (0.8 em a character) would be 640 px.
    assert.ok(measured - ink >= 0 && measured - ink <= 0.25 * 40, `measured ${measured} vs ink ${ink} (bold ${bold})`);
  }
  // A limit truncates with an ellipsis to at most the limit; text that fits is measured whole.
  const long = "Num. Samples per Iteration of the model fitted on synthetic data";
  assert.ok(width({ fontSize: 12, limit: 100 }, long) <= 100);
  assert.equal(width({ fontSize: 12, limit: 1000 }, long), width({ fontSize: 12 }, long));
  assert.equal(width({ fontSize: 24 }, "abc"), 2 * width({ fontSize: 12 }, "abc"));
  assert.equal(width({}, "abc"), width({ fontSize: 11 }, "abc"), "vega's default size is 11");
});
