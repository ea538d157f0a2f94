// Forms are generated from the API's own OpenAPI document, so plugin fields need no UI code.
import { lookups } from './api.js'
import { fieldLabel } from './labels.js'

export const CORE_ORDER = ['asset_type', 'asset_tag', 'name', 'status', 'site_id', 'location_id',
  'manufacturer', 'model', 'serial_number']
// An asset's own id is read-only in its schemas; an `assetid` that is not (a notice's asset) is a field to fill.
const SKIP = new Set(['version', 'id', 'created_at', 'updated_at'])

function resolve(spec, s) {
  let cur = s
  for (let i = 0; cur && cur.$ref && i < 5; i++) cur = spec.components.schemas[cur.$ref.split('/').pop()]
  return cur || null
}

export async function resolved(s) {
  const spec = await lookups.openapi()
  return resolve(spec, s)
}

// The schema of one object a GET answers (the envelope's `data`, or one item of a list's `data`).
export async function responseSchema(pathTemplate, method = 'get') {
  const spec = await lookups.openapi()
  const op = spec.paths?.[pathTemplate]?.[method]
  const env = resolve(spec, op?.responses?.['200']?.content?.['application/json']?.schema)
  let data = resolve(spec, env?.properties?.data)
  if (data && data.type === 'array') data = resolve(spec, data.items)
  if (!data || !data.properties) return data
  // Nested item schemas resolved too, so a table of a nested collection reads its own titles.
  const properties = {}
  for (const [k, v] of Object.entries(data.properties)) {
    const r = resolve(spec, v) || v
    properties[k] = r.type === 'array' && r.items ? { ...r, items: resolve(spec, r.items) } : r
  }
  return { ...data, properties }
}

// The request-body schema of `method` on the path template, e.g. ('/api/v1/computers/{assetid}', 'patch').
export async function requestSchema(pathTemplate, method) {
  const spec = await lookups.openapi()
  const op = spec.paths?.[pathTemplate]?.[method]
  return resolve(spec, op?.requestBody?.content?.['application/json']?.schema)
}

// [{name, type, enum, choiceSet, nullable, required, format, maxLength, wide}] in a stable, readable order.
// choiceSet: an open vocabulary (x-choice-set); its values come from GET /api/v1/choices/<set>.
export function formFields(schema, { omit = [] } = {}) {
  if (!schema || !schema.properties) return []
  const required = new Set(schema.required || [])
  const names = Object.keys(schema.properties).filter((n) => {
    const p = schema.properties[n]
    return !p.readOnly && !SKIP.has(n) && !omit.includes(n) && p.type !== 'array' && p.type !== 'object'
  })
  const rank = (n) => (CORE_ORDER.includes(n) ? CORE_ORDER.indexOf(n) : n === 'notes' ? 1000 : 100)
  names.sort((a, b) => rank(a) - rank(b))
  return names.map((name) => {
    const p = schema.properties[name]
    const type = Array.isArray(p.type) ? p.type.find((t) => t !== 'null') : p.type
    return {
      name,
      label: fieldLabel(name, p),
      type,
      enum: p.enum || null,
      choiceSet: p['x-choice-set'] || null,
      nullable: !!p.nullable,
      required: required.has(name),
      format: p.format || null,
      description: p.description || '',
      default: p.default,
      wide: type === 'string' && (p.maxLength || 0) > 500,
    }
  })
}

// A timestamp (UTC ISO 8601 from the API) as the value of a datetime-local input: the browser's local
// time to the minute. Back to the API it goes as UTC ISO again.
const pad = (n) => String(n).padStart(2, '0')
export function toLocalInput(iso) {
  if (!iso) return ''
  const d = new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`)
  if (Number.isNaN(d.getTime())) return String(iso)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

// Raw input values (strings/booleans) from an object.
export function toInputs(fields, obj = {}) {
  const out = {}
  for (const f of fields) {
    const v = obj[f.name]
    if (f.format === 'date-time' && v) out[f.name] = toLocalInput(v)
    else if (f.type === 'boolean') out[f.name] = v ?? f.default ?? false
    else if (v === null || v === undefined) out[f.name] = f.default !== undefined && obj.__new ? String(f.default) : ''
    else out[f.name] = String(v)
  }
  return out
}

// Coerce an input back to the API type; invalid numbers are passed through so the API reports them.
export function coerce(f, raw) {
  if (f.type === 'boolean') return !!raw
  const s = typeof raw === 'string' ? raw.trim() : raw
  if (s === '' || s === undefined || s === null) return f.nullable ? null : undefined
  if (f.format === 'date-time') {
    const d = new Date(s)
    return Number.isNaN(d.getTime()) ? s : d.toISOString()
  }
  if (f.type === 'integer') return /^-?\d+$/.test(s) ? Number(s) : s
  if (f.type === 'number') return s !== '' && !Number.isNaN(Number(s)) ? Number(s) : s
  return s
}

// The body of a create (every non-empty field) or an update (only changed fields).
export function buildBody(fields, inputs, original = null) {
  const body = {}
  for (const f of fields) {
    const v = coerce(f, inputs[f.name])
    if (original) {
      // An untouched timestamp is not sent back (the input holds it to the minute only).
      if (f.format === 'date-time' && inputs[f.name] === toLocalInput(original[f.name])) continue
      const before = original[f.name] ?? (f.type === 'boolean' ? false : null)
      const after = v === undefined ? (f.nullable ? null : '') : v
      if (after !== before) body[f.name] = after === undefined ? '' : after
    } else if (v !== undefined && v !== null) {
      body[f.name] = v
    }
  }
  return body
}

// "field: message" lines for errors whose field is not on the form.
export function flattenErrors(fields, shown = []) {
  const lines = []
  const walk = (prefix, val) => {
    if (Array.isArray(val)) lines.push(`${prefix}: ${val.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')}`)
    else if (val && typeof val === 'object') for (const [k, v] of Object.entries(val)) walk(prefix ? `${prefix}.${k}` : k, v)
    else lines.push(`${prefix}: ${val}`)
  }
  for (const [k, v] of Object.entries(fields || {})) if (!shown.includes(k)) walk(k, v)
  return lines
}
