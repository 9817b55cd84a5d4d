// The examples of a docs/*.md page, as docs/README.md defines them: fenced blocks whose
// info string starts with `sh` or `ts` run unless marked `norun`; a ```text block that
// follows one with only blank lines between holds its expected output.

export type Lang = 'sh' | 'ts';

export interface Example {
  lang: Lang;
  /** Words of the info string after the language: norun, background, daemon. */
  flags: Set<string>;
  code: string;
  /** The expected output, or null: then only success (exit status 0) is checked. */
  expected: string | null;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

/** A page directive between blocks: `stop` stops the page's daemons; `member`, `cluster`
 *  or `none` replaces the page's members. */
export interface Directive {
  directive: string;
  line: number;
}

export interface Page {
  /** `<!-- doctest: member|cluster|none -->` before the first example; default member. */
  setup: 'member' | 'cluster' | 'none';
  steps: (Example | Directive)[];
  /** Blocks of every language, for the count of what is not run. */
  notRun: number;
}

/** Languages that look runnable but are not ours: use sh or ts so nothing slips by. */
const AMBIGUOUS = new Set(['bash', 'shell', 'console', 'js', 'javascript', 'typescript', 'mjs']);
const KNOWN_FLAGS = new Set(['norun', 'background', 'daemon']);

export function parsePage(text: string, file: string): Page {
  const lines = text.split('\n');
  const page: Page = { setup: 'member', steps: [], notRun: 0 };
  let lastRunnable: Example | null = null;
  let onlyBlankSince = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const setup = /^<!-- doctest: (member|cluster|none) -->\s*$/.exec(line);
    if (setup && !page.steps.some((s) => 'lang' in s)) {
      page.setup = setup[1] as Page['setup'];
      continue;
    }
    // Later in the page, a setup directive replaces the members (and stops the daemons).
    const dir = /^<!-- doctest: (stop|member|cluster|none) -->\s*$/.exec(line);
    if (dir) {
      page.steps.push({ directive: dir[1]!, line: i + 1 });
      lastRunnable = null;
      continue;
    }
    const fence = /^```(.*)$/.exec(line);
    if (!fence) {
      if (line.trim() !== '') onlyBlankSince = false;
      continue;
    }
    if (/^\s+```/.test(line)) throw new Error(`${file}:${i + 1}: indented fence`);
    const words = fence[1]!.trim().split(/\s+/).filter(Boolean);
    const lang = words[0] ?? '';
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: unclosed code fence`);
    const code = `${body.join('\n')}\n`;
    if (AMBIGUOUS.has(lang))
      throw new Error(`${file}:${start + 1}: use \`sh\` or \`ts\` (or \`text\`), not \`${lang}\``);
    if (lang === 'text' && lastRunnable !== null && onlyBlankSince) {
      if (lastRunnable.expected !== null)
        throw new Error(`${file}:${start + 1}: two output blocks for one example`);
      lastRunnable.expected = code;
      lastRunnable = null;
      onlyBlankSince = false;
      continue;
    }
    lastRunnable = null;
    if (lang !== 'sh' && lang !== 'ts') {
      continue;
    }
    const flags = new Set(words.slice(1));
    for (const f of flags)
      if (!KNOWN_FLAGS.has(f)) throw new Error(`${file}:${start + 1}: unknown flag \`${f}\``);
    if (flags.has('norun')) {
      page.notRun++;
      continue;
    }
    const ex: Example = { lang, flags, code, expected: null, line: start + 1 };
    page.steps.push(ex);
    lastRunnable = ex;
    onlyBlankSince = true;
  }
  return page;
}
