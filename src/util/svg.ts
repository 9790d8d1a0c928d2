// Small helpers for the self-contained HTML/SVG reports (chaos timeline, bench charts): escaping, number formatting
// and axis ticks. No dependencies, nothing fetched: the files must open offline.

/** Escapes text for HTML/SVG content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A coordinate: one decimal is plenty on screen and keeps the files small. */
export function px(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Tick values from lo to hi at a "nice" step (1, 2, 5 x 10^k) giving at most `maxTicks` ticks. */
export function niceTicks(lo: number, hi: number, maxTicks: number): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [lo];
  const raw = (hi - lo) / Math.max(1, maxTicks);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step, i = 0; v <= hi + step * 1e-9 && i < 1000; v += step, i++) out.push(Math.round(v / step) * step);
  return out;
}

/** A tick label: no trailing zeros, at most 3 decimals. */
export function tickLabel(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

/** The page around one or more inline SVGs: no scripts from elsewhere, no fonts, no images. */
export function htmlPage(title: string, css: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 6px}h2{font-size:15px;margin:18px 0 6px}
pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}
.scroll{overflow-x:auto;border:1px solid #ddd}
svg text{font:11px system-ui,sans-serif;fill:#222}
svg .axis line{stroke:#ccc}svg .axis text{fill:#666}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
.bad{color:#b2182b;font-weight:bold}.good{color:#1a7f37;font-weight:bold}
${css}
</style></head><body>
${body}
</body></html>
`;
}
