// Text from elsewhere (a coordinator's answers, another party's model names and job errors) is shown to
// people inert: control characters become visible in caret notation, as `gh` does (ESC is ^[, BEL ^G,
// DEL ^?, and a C1 control its ESC form, so CSI U+009B is ^[[), so no escape sequence reaching a terminal
// can set the window title, clear the screen or forge a link. Bidirectional embeddings, overrides and
// isolates (U+202A-U+202E, U+2066-U+2069) are shown as <U+202E>: invisible, they reorder what follows
// ("txt.exe" shown as "exe.txt"; a forged id or verdict). Newlines and tabs stay. Data for a pipe (a
// job's result off a terminal, --json) is never passed through this.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g

/**
 * A field inside one line of output (a file name, a receipt id, a reason): inert, and a newline shown
 * as ^J too, so a field cannot end its line and forge the next one ("ok  rcpt_…").
 */
export function inertField(text: string): string {
  return inert(text).replace(/\n/g, '^J')
}

export function inert(text: string): string {
  return text.replace(CONTROL, (char) => {
    const code = char.charCodeAt(0)
    if (code > 0x9f) return `<U+${code.toString(16).toUpperCase()}>`
    if (code === 0x7f) return '^?'
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`
    return `^[${String.fromCharCode(code - 0x40)}`
  })
}
