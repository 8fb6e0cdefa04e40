// The README's fenced blocks and the convention that tells the README-examples test how to run them.
//
// Every ```sh block runs, in order, in one bash session (like a person following the README in one
// terminal), and must exit 0. A block that needs special handling says so in an HTML comment on the
// line right above its fence (invisible on GitHub):
//
//   <!-- readme-test: not run: REASON -->          only the set-up block (the test pins which blocks)
//   <!-- readme-test: env NAME=VALUE ... -->        a block of `export NAME=...` lines whose values are
//        the reader's own; the test exports its coordinator's instead. VALUE: url, client-key,
//        miner-key, admin-key, or new-database (the URL of a new, empty PostgreSQL database the test
//        makes, and drops at the end). Every line of the block must export one of the NAMEs, nothing else.
//   <!-- readme-test: background: first stdout|stderr line /REGEX/ -->   a long-running command
//        (`aitbc serve`, `aitbc miner run`): started on its own, its first line on that stream must
//        match, then it gets SIGTERM and must exit 0.
//   <!-- readme-test: fake ollama -->  or  fake openai   the block talks to an inference server;
//        the test starts a fake one speaking that protocol and points AITBC_BACKEND_URL at it.
//   Directives combine with ";" (e.g. `background: ...; fake ollama`).
//
// A line `cmd || echo "exit code $?"   # ...: exit code N` claims cmd exits N; the test checks it.
//
// ```text and ```json blocks show output and are never run; a shell command in one is an error, so no
// example hides from the test. Other fence languages are errors too.

export type EnvValue = 'url' | 'client-key' | 'miner-key' | 'admin-key' | 'new-database'
export type Fake = 'ollama' | 'openai'

export interface Directives {
  notRun?: string
  env?: Record<string, EnvValue>
  background?: {stream: 'stdout' | 'stderr'; firstLine: RegExp}
  fake?: Fake
}

export interface CodeBlock {
  lang: string
  code: string
  /** 1-based line of the opening fence. */
  line: number
  directives: Directives
}

const RUN_LANG = 'sh'
const SHOWN_LANGS = new Set(['text', 'json'])
const ENV_VALUES: readonly EnvValue[] = ['url', 'client-key', 'miner-key', 'admin-key', 'new-database']
const DIRECTIVE = /^<!--\s*readme-test:\s*(.*?)\s*-->$/

export function readmeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const directive = lines[i].match(DIRECTIVE)
    if (directive && !lines[i + 1]?.startsWith('```' + RUN_LANG)) throw new Error(`README line ${i + 1}: a readme-test comment must stand right above a \`\`\`${RUN_LANG} fence`)
    const open = lines[i].match(/^```(\S*)\s*$/)
    if (!open) continue
    const lang = open[1]
    if (lang !== RUN_LANG && !SHOWN_LANGS.has(lang)) throw new Error(`README line ${i + 1}: fence \`\`\`${lang}: use \`\`\`${RUN_LANG} for commands (run by the test) or \`\`\`text/json for output`)
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line))
    if (end < 0) throw new Error(`README line ${i + 1}: unclosed fence`)
    const code = lines.slice(i + 1, end).join('\n')
    const above = i > 0 ? lines[i - 1].match(DIRECTIVE) : null
    blocks.push({lang, code, line: i + 1, directives: above ? parseDirectives(above[1], i) : {}})
    if (lang !== RUN_LANG) assertNoCommands(code, i + 1)
    i = end
  }
  return blocks
}

function parseDirectives(text: string, lineIndex: number): Directives {
  const where = `README line ${lineIndex}`
  const notRun = text.match(/^not run:\s*(.+)$/)
  if (notRun) return {notRun: notRun[1]}
  const directives: Directives = {}
  for (const part of text.split(';').map((p) => p.trim())) {
    const background = part.match(/^background: first (stdout|stderr) line \/(.+)\/$/)
    const fake = part.match(/^fake (ollama|openai)$/)
    if (background) directives.background = {stream: background[1] as 'stdout' | 'stderr', firstLine: new RegExp(background[2])}
    else if (fake) directives.fake = fake[1] as Fake
    else if (part.startsWith('env ')) {
      directives.env = {}
      for (const pair of part.slice(4).trim().split(/\s+/)) {
        const [name, value] = pair.split('=')
        if (!ENV_VALUES.includes(value as EnvValue)) throw new Error(`${where}: env ${pair}: the value must be one of ${ENV_VALUES.join(', ')}`)
        directives.env[name] = value as EnvValue
      }
    } else throw new Error(`${where}: unknown readme-test directive "${part}"`)
  }
  if (directives.env && (directives.background || directives.fake)) throw new Error(`${where}: an env block takes no other directive`)
  return directives
}

/** Output blocks must not hold commands: those belong in ```sh blocks, which run. */
function assertNoCommands(code: string, line: number): void {
  const command = code.split('\n').find((text) => /^\s*(\$\s|aitbc\s|npm\s|export\s)/.test(text))
  if (command) throw new Error(`README line ${line}: "${command.trim()}" is a command in an output block; put it in a \`\`\`${RUN_LANG} block`)
}

/** The command lines of a block: no blank lines or comments, continuations joined. */
export function commandLines(code: string): string[] {
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
}
