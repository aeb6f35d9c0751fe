"""The page's style sheet: large type and strong contrast for a projector in a room.

Sizes are in rem of a root size that grows with the window (1.2 % of its width, at least
17 px): at 1366 px wide body text is 17-18 px, at 1920 px 20-24 px, so the page reads
from the back of a room on a projector. Text is near-black on white (contrast above
12:1) and white on the dark blue header.
"""

CSS = """
html, body { font-size: clamp(17px, 1.2vw, 28px); }
.v-application, .gvi-root { font-family: Roboto, "DejaVu Sans", Arial, sans-serif; }
.gvi-root { color: #1a1a1a; background: #eef1f5; min-height: 100vh; }
.solara-autorouter-content, .v-main__wrap > .container { padding: 0 !important; max-width: none !important; }
.gvi-root h2 { font-size: 1.235rem; font-weight: 700; margin: 0; line-height: 1.3; color: #12355b; }
.gvi-root h3 { font-size: 1.059rem; font-weight: 700; margin: 6px 0 0; color: #12355b; }

.gvi-root .v-sheet { background-color: transparent; color: inherit; }
.gvi-root .gvi-header { background: #12355b !important; color: #fff; padding: 6px 16px; gap: 24px !important;
  flex-wrap: nowrap; min-height: 64px; margin: 0 !important; }
.gvi-titles { flex: 1 1 auto; min-width: 0; }
.gvi-title { font-size: 1.412rem; font-weight: 700; line-height: 1.2; white-space: nowrap; }
.gvi-subtitle { font-size: 0.882rem; opacity: 0.92; line-height: 1.25; }
.gvi-clock { text-align: right; flex: 0 0 auto; }
.gvi-day { font-size: 1.647rem; font-weight: 700; line-height: 1.15; white-space: nowrap; }
.gvi-phase { font-size: 0.941rem; white-space: nowrap; }
.gvi-lang { flex: 0 0 auto; flex-wrap: nowrap !important; }
.gvi-root .gvi-lang-btn.v-btn { font-size: 0.941rem; text-transform: none; letter-spacing: 0;
  height: 2.353rem; min-width: 5.4rem; }
.gvi-root .gvi-lang-idle.v-btn { color: #fff !important; border-color: #fff !important;
  background: transparent !important; }
.gvi-root .gvi-lang-active.v-btn { color: #12355b !important; background: #fff !important;
  font-weight: 700; }

.gvi-body { padding: 10px 12px; align-items: stretch; flex-wrap: nowrap !important;
  margin: 0 !important; min-height: calc(100vh - 76px); }
.gvi-side { flex: 0 0 20.6rem; width: 20.6rem; overflow: visible; padding-right: 4px; }
.gvi-main { flex: 1 1 auto; min-width: 0; height: calc(100vh - 3.4rem - 42px); min-height: 560px;
  display: flex; position: sticky; top: 10px; }
.gvi-root .gvi-card { background: #fff; border-radius: 8px; padding: 8px 12px 10px;
  box-shadow: 0 1px 3px rgba(0,0,0,0.18); }
.gvi-root .v-btn { font-size: 0.941rem; text-transform: none; letter-spacing: 0; }
.gvi-root .v-btn:not(.v-btn--round).v-size--default { height: 2.471rem; }
.gvi-buttons > * { flex: 1 1 0; }
.gvi-act.v-btn { white-space: normal; justify-content: flex-start; text-align: left; }
.gvi-act.v-btn .v-btn__content { white-space: normal; line-height: 1.2; flex: 1 1 auto; }
.gvi-root .v-btn.gvi-act:not(.v-btn--round).v-size--default { height: auto; min-height: 2.6rem;
  padding-top: 6px; padding-bottom: 6px; }
.gvi-root .v-input, .gvi-root .v-label, .gvi-root .v-select__selection,
.gvi-root input { font-size: 0.941rem !important; }
.gvi-root .v-label { color: #333 !important; }
.gvi-root .v-list-item__title { font-size: 0.941rem; white-space: normal; line-height: 1.3; }
.gvi-label { font-size: 0.941rem; line-height: 1.3; margin-top: 4px; }
.gvi-label .off { color: #555; font-style: italic; }
.gvi-note { font-size: 0.882rem; color: #3d3d3d; line-height: 1.3; }
.gvi-pending { color: #8a4b00; font-weight: 600; }
.gvi-root .gvi-notice { max-width: 760px; width: calc(100% - 24px); padding: 20px 24px 22px;
  align-self: center; margin-top: 48px !important; }
.gvi-notice p { font-size: 1.059rem; line-height: 1.45; margin: 8px 0 0; }
.gvi-notice .gvi-again.v-btn { align-self: flex-start; }
.gvi-msg { font-size: 0.941rem; padding: 6px 10px; border-radius: 6px; line-height: 1.3; }
.gvi-msg.ok { background: #e3f4ec; color: #0b4d33; }
.gvi-msg.fail { background: #fdeaea; color: #7d1414; }
.gvi-speed.v-btn-toggle { display: flex; width: 100%; }
.gvi-speed.v-btn-toggle > .v-btn { flex: 1 1 0; min-width: 0 !important; font-size: 0.941rem;
  height: 2.353rem !important; }
.gvi-enforce > .v-input { flex: 0 0 7rem; }
.gvi-enforce > .v-btn { flex: 1 1 auto; }
.gvi-seed-input { flex: 0 0 7rem; }
.gvi-root .v-input--switch .v-label { font-size: 0.941rem !important; line-height: 1.3; }
.gvi-root .v-slider { margin-top: 0; }
.gvi-root .v-input__slot { margin-bottom: 0; }
.gvi-root .v-messages { min-height: 0 !important; }

.gvi-ind { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 10px; }
.gvi-tile { background: #fff; border-radius: 8px; border-left: 7px solid #0072b2;
  padding: 4px 10px 6px; box-shadow: 0 1px 3px rgba(0,0,0,0.18); min-width: 0; }
.gvi-tile .l { font-size: 0.882rem; font-weight: 600; color: #333; line-height: 1.2;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.gvi-tile .v { font-size: 1.765rem; font-weight: 700; line-height: 1.15; white-space: nowrap; }
.gvi-tile .v small { font-size: 0.941rem; font-weight: 600; }
.gvi-tile .t { font-size: 0.882rem; color: #3d3d3d; line-height: 1.2; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }

.gvi-views { flex: 1 1 auto; min-height: 0; flex-wrap: nowrap !important; margin: 0 !important;
  align-items: stretch; }
.gvi-city { flex: 1 1 0; min-width: 0; min-height: 0; overflow: hidden; }
.gvi-right { flex: 1.3 1 0; min-width: 0; min-height: 0; }
.gvi-fig { margin: 0; min-height: 0; display: flex; justify-content: center; }
.gvi-fig svg { width: 100%; height: auto; display: block; }
.gvi-city .gvi-fig { flex: 1 1 0; }
.gvi-city .gvi-fig svg { height: 100%; }
.gvi-timeline .gvi-fig svg { max-height: 42vh; }
.gvi-fig text { font-family: Roboto, "DejaVu Sans", Arial, sans-serif; }
.gvi-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.gvi-gap { font-size: 1.000rem; font-weight: 600; line-height: 1.3; }
.gvi-legend { list-style: none; padding: 0 !important; margin: 0; font-size: 0.882rem;
  line-height: 1.35; columns: 2; column-gap: 14px; }
.gvi-legend li { break-inside: avoid; margin-bottom: 2px; }
.gvi-legend-row { columns: auto; display: flex; flex-wrap: wrap; gap: 2px 16px; }
.sw { display: inline-block; vertical-align: middle; margin-right: 6px; }
.sw.dot { width: 16px; height: 16px; border-radius: 50%; border: 1.5px solid #444; }
.sw.ramp { width: 34px; height: 14px; border: 1px solid #888;
  background: linear-gradient(90deg, #fff, #fdae61, #b2182b); }
.sw.ring { width: 18px; height: 18px; border-radius: 50%; border: 4px solid; }
.sw.box { width: 18px; height: 18px; border: 3px solid; }
.sw.line { width: 28px; height: 4px; }
.sw.bar { width: 14px; height: 16px; }
.sw.dash { width: 28px; height: 0; border-top: 4px dashed; }
.sw.mark { font-size: 1.000rem; width: auto; }
.gvi-feed-card { flex: 1 1 auto; min-height: 120px; overflow: hidden; }
.gvi-feed { list-style: none; padding: 0 !important; margin: 0; overflow-y: auto;
  flex: 1 1 auto; min-height: 0; }
.gvi-ev { font-size: 1.000rem; line-height: 1.35; border-left: 6px solid #888; padding: 3px 8px;
  margin-bottom: 5px; background: #f7f8fa; }
.gvi-switch .v-label { font-size: 0.941rem !important; }
.gvi-timeline { flex: 0 0 auto; }
.gvi-promise { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr) minmax(0, 2fr);
  gap: 10px; align-items: stretch; }
.gvi-promise .gvi-tile .l, .gvi-promise .gvi-tile .t { white-space: normal; }
.gvi-promise .bar { height: 6px; background: #dde3ea; border-radius: 3px; margin: 2px 0; }
.gvi-promise .bar span { display: block; height: 100%; background: #0072b2; border-radius: 3px; }
.gvi-explain { font-size: 0.882rem; line-height: 1.3; color: #1a1a1a; background: #fff;
  border-radius: 8px; padding: 4px 10px; box-shadow: 0 1px 3px rgba(0,0,0,0.18);
  display: flex; align-items: center; }
.gvi-story h3 { font-size: 1.118rem; margin: 0; }
.gvi-story-step { font-size: 0.882rem; color: #3d3d3d; font-weight: 600; }
.gvi-narration { font-size: 1rem; line-height: 1.4; margin: 4px 0 0; }
.gvi-choice { font-weight: 700; }
.gvi-story .v-btn { white-space: normal; }
"""
