/// The site's one stylesheet, `site.css`. Colours meet WCAG AA contrast on white; a status is
/// always written as a word, colour only repeats it; the focus of a step is outlined as well as
/// tinted, so it shows without colour too.
enum Stylesheet {
  static let text = """
    :root { --ink: #1b1f24; --muted: #4a5563; --line: #d0d7de; --accent: #0b5cad; --focus-bg: #fff2b3; --focus-line: #8a6100; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
    main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
    a { color: var(--accent); }
    a:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid var(--focus-line); outline-offset: 2px; }
    .skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
    .skip:focus { left: .5rem; }
    header.top { background: #f3f5f7; border-bottom: 1px solid var(--line); }
    header.top nav { max-width: 72rem; margin: 0 auto; padding: .6rem 1.5rem; display: flex; gap: 1.5rem; }
    footer { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem; color: var(--muted); font-size: .875rem; border-top: 1px solid var(--line); }
    h1 { font-size: 1.75rem; margin: .5rem 0; word-break: break-word; }
    h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
    h3 { font-size: 1.05rem; }
    code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; }
    pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; border-radius: 4px; }
    table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
    th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
    th { background: #f6f8fa; }
    td.claim { max-width: 40rem; }
    td.time { text-align: right; white-space: nowrap; }
    .status { display: inline-block; padding: 0 .45rem; border-radius: 3px; font-weight: 600; font-size: .875rem; border: 1px solid; }
    .status.certified { color: #0f5323; background: #e6f4ea; border-color: #0f5323; }
    .status.proved { color: #6b4100; background: #fff4d6; border-color: #6b4100; }
    .status.failed { color: #8e1116; background: #fde7e9; border-color: #8e1116; }
    .note { color: var(--muted); }
    .breadcrumb { color: var(--muted); font-size: .9rem; }
    math { font-size: 1.1em; }
    math[display="block"] { overflow-x: auto; overflow-y: hidden; padding: .25rem 0; }
    .math-scroll { overflow-x: auto; max-width: 40rem; padding-bottom: .2rem; }
    mrow.focus { background: var(--focus-bg); outline: 2px dashed var(--focus-line); outline-offset: 1px; }
    mi.def { color: #5b2a86; }
    .hash { font-family: ui-monospace, monospace; word-break: break-all; }
    ol.steps { padding-left: 0; list-style: none; }
    ol.steps > li { border: 1px solid var(--line); border-radius: 4px; padding: .5rem .75rem; margin: .5rem 0; }
    ol.steps > li:target { border-color: var(--focus-line); box-shadow: 0 0 0 2px var(--focus-bg); }
    .step-head { font-weight: 600; }
    .step-head .number { color: var(--muted); margin-right: .5rem; }
    dl.equations { display: grid; grid-template-columns: max-content 1fr; gap: .25rem .75rem; margin: .25rem 0; }
    dl.equations dt { color: var(--muted); }
    dl.equations dd { margin: 0; overflow-x: auto; }
    .side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
    .side-by-side > div { border: 1px solid var(--line); border-radius: 4px; padding: .5rem; overflow-x: auto; }
    .failure { border-left: 4px solid #8e1116; padding-left: 1rem; }
    #search { font: inherit; padding: .4rem .6rem; width: min(30rem, 100%); border: 1px solid var(--muted); border-radius: 4px; }
    tr:target, li:target, p:target { background: var(--focus-bg); }
    dl.equations math[display="block"] { display: math; }
    [hidden] { display: none !important; }
    @media (max-width: 50rem) { .side-by-side { grid-template-columns: 1fr; } }

    """
}
