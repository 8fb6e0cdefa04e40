// The canonical JSON of the upstream Python AITBC coordinator (receipt "version": "1.0"): what
// `json.dumps(remove_none(value), separators=(",", ":"), sort_keys=True)` writes. Nulls are dropped
// (in arrays too), keys sorted by code point, every character outside printable ASCII escaped as
// \uXXXX, and numbers as Python writes the value it read: an int stays an int, a float keeps a float
// form (`1.0`, `0.02`, `1e-07`, `1e+16`). So the input must be parsed with lossless-json, which keeps
// each number's text.
import type {LosslessNumber} from 'lossless-json'

export function pythonCanonicalJson(value: unknown): string {
  const text = write(value)
  if (text === undefined) throw new TypeError('value has no JSON form')
  return text
}

function write(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  if (typeof value === 'string') return pythonString(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') return pythonNumber(String(value))
  if (isLosslessNumber(value)) return pythonNumber(value.value)
  if (Array.isArray(value)) {
    const items: string[] = []
    for (const item of value) {
      const text = write(item)
      if (text !== undefined) items.push(text)
    }
    return `[${items.join(',')}]`
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>
    const members: string[] = []
    for (const key of Object.keys(record).sort(compareCodePoints)) {
      const text = write(record[key])
      if (text !== undefined) members.push(`${pythonString(key)}:${text}`)
    }
    return `{${members.join(',')}}`
  }
  throw new TypeError(`cannot write a ${typeof value} as JSON`)
}

/** lossless-json's own test, without loading the library (it is loaded only when a Python receipt comes). */
function isLosslessNumber(value: unknown): value is LosslessNumber {
  return typeof value === 'object' && value !== null && (value as {isLosslessNumber?: unknown}).isLosslessNumber === true
}

const INTEGER = /^-?\d+$/

/** How Python writes the number it parsed from JSON text: ints exactly, floats as repr(float). */
export function pythonNumber(text: string): string {
  if (INTEGER.test(text)) return text === '-0' ? '0' : text
  return pythonFloatRepr(Number(text))
}

/**
 * Python's repr(float): the shortest digits that read back as the same double (the same digits
 * JavaScript's Number#toString picks), in fixed notation when 1e-4 <= |x| < 1e16 (always with a
 * fractional part), otherwise d.ddde±XX with at least two exponent digits.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  const sign = x < 0 || Object.is(x, -0) ? '-' : ''
  if (x === 0) return `${sign}0.0`
  const {digits, point} = shortestDigits(Math.abs(x))
  // `point` places the decimal point: value = 0.DIGITS × 10^point.
  if (point <= -4 || point > 16) {
    const exponent = point - 1
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    const magnitude = String(Math.abs(exponent)).padStart(2, '0')
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

/** The significant digits of JavaScript's shortest round-trip form of a positive double, and the point. */
function shortestDigits(x: number): {digits: string; point: number} {
  const [mantissa, exponentText] = String(x).split('e')
  const dot = mantissa.indexOf('.')
  const whole = dot === -1 ? mantissa : mantissa.slice(0, dot)
  const all = dot === -1 ? mantissa : whole + mantissa.slice(dot + 1)
  const leadingZeros = all.length - all.replace(/^0+/, '').length
  const digits = all.slice(leadingZeros).replace(/0+$/, '')
  return {digits, point: whole.length - leadingZeros + Number(exponentText ?? 0)}
}

/** A JSON string as Python's ensure_ascii writes it; non-BMP characters become surrogate pairs. */
export function pythonString(text: string): string {
  let out = '"'
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code >= 0x20 && code <= 0x7e && code !== 0x22 && code !== 0x5c) continue
    out += text.slice(start, i) + escapeCodeUnit(code)
    start = i + 1
  }
  return `${out}${text.slice(start)}"`
}

const SHORT_ESCAPES: Record<number, string> = {0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t'}

function escapeCodeUnit(code: number): string {
  return SHORT_ESCAPES[code] ?? `\\u${code.toString(16).padStart(4, '0')}`
}

/** Python sorts str keys by code point; JavaScript's default sort compares UTF-16 code units. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) as number
    const y = b.codePointAt(i) as number
    if (x !== y) return x - y
    if (x > 0xffff) i++
  }
  return a.length - b.length
}
