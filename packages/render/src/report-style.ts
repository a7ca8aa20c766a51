/** The report's stylesheet: system fonts, light and dark schemes, nothing fetched. */
export const REPORT_CSS = `
:root {
  --bg: #f6f7f9; --card: #ffffff; --ink: #1d2430; --muted: #5d6878; --line: #e2e6ec;
  --accent: #3b5bdb; --bar: #cfd8f7; --good: #2b8a3e; --warn: #c0392b; --chip: #eef1f6;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c; --card: #1c2027; --ink: #e3e7ee; --muted: #98a2b3; --line: #2c323c;
    --accent: #8da2fb; --bar: #34427a; --good: #69db7c; --warn: #ff8787; --chip: #262b34;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif;
}
main { max-width: 1180px; margin: 0 auto; padding: 28px 20px 60px; }
h1 { font-size: 22px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 16px; margin: 0; }
h3 { font-size: 14px; margin: 0; }
.subtitle { color: var(--muted); margin: 0 0 18px; }
.num, code, .facts dd, td.num { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin: 0 0 18px; }
.info { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 0 0 16px; color: var(--muted); }
.info b { color: var(--ink); font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; }
.chip { background: var(--chip); border-radius: 999px; padding: 1px 8px; font-size: 12px; white-space: nowrap; max-width: 100%; }
.chip .k { color: var(--muted); }
.chip code { white-space: normal; overflow-wrap: anywhere; }
.legends { display: flex; flex-wrap: wrap; gap: 18px 28px; }
.legend { display: grid; gap: 3px; min-width: 220px; }
.legend .name { font-weight: 600; }
.colorbar { height: 10px; border-radius: 3px; border: 1px solid var(--line); }
.ticks { display: flex; justify-content: space-between; color: var(--muted); font-size: 11px; }
.example-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; margin-bottom: 12px; }
.badge { font-size: 12px; padding: 1px 8px; border-radius: 999px; background: var(--chip); color: var(--muted); }
.badge.ok { color: var(--good); }
.badge.bad { color: var(--warn); }
.example-top { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; margin-bottom: 14px; }
figure { margin: 0; display: grid; gap: 4px; }
figcaption { color: var(--muted); font-size: 12px; }
figure img { display: block; border-radius: 4px; border: 1px solid var(--line); background: var(--chip); }
img.pixelated { image-rendering: pixelated; }
.predictions { flex: 1; min-width: 260px; max-width: 460px; }
.predictions ol { list-style: none; margin: 6px 0 0; padding: 0; display: grid; gap: 4px; }
.pred { display: grid; grid-template-columns: minmax(90px, 1fr) 2fr 64px; gap: 8px; align-items: center; }
.pred .cls { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pred.true .cls { color: var(--good); font-weight: 600; }
.pred .track { height: 8px; background: var(--chip); border-radius: 4px; overflow: hidden; }
.pred .fill { height: 100%; background: var(--accent); border-radius: 4px; }
.pred .p { text-align: right; }
.method-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.method { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; display: grid; gap: 8px; align-content: start; min-width: 0; }
.method-head { display: grid; gap: 2px; }
.method-head .target { color: var(--muted); font-size: 12.5px; }
.overview-wrap { overflow-x: auto; margin-top: 8px; }
table.overview { width: auto; }
table.overview th, table.overview td { text-align: center; vertical-align: middle; padding: 6px 8px; }
table.overview tbody th { text-align: left; font-weight: 500; text-transform: none; letter-spacing: 0; color: var(--ink); font-size: 13px; }
table.overview tbody th a { display: flex; align-items: center; gap: 8px; }
table.overview a { color: inherit; text-decoration: none; }
table.overview a:hover img { outline: 2px solid var(--accent); }
table.overview img { display: block; margin: 0 auto; border-radius: 4px; border: 1px solid var(--line); }
table.overview .more { display: block; font-size: 11px; color: var(--muted); }
table.overview td.none { color: var(--muted); }
.facts { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
.maps { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
.maps .colorbar { width: 100%; }
.tokens { padding-top: 4px; }
.features td.bar { width: 50%; }
.fbar { position: relative; height: 10px; background: var(--chip); border-radius: 3px; }
.fbar span { position: absolute; top: 0; bottom: 0; border-radius: 3px; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 24px; }
@media (max-width: 720px) { .method-grid { grid-template-columns: 1fr; } }
`;
