// Columns of a nested collection (a switch's interfaces, a PC's controlled machines…), read from its
// rows and item schema: `<prefix>assetid` + `<prefix>asset_tag` become one link to that asset,
// `subnet_id` + `cidr` a link to the subnet, site ids site codes, timestamps dates, states badges.
import { fieldLabel, humanize } from '../labels.js'

const HIDDEN = new Set(['id', 'version', 'created_at', 'updated_at', 'relationship_id', 'interface_id',
  'notification_id', 'user_id', 'ip_version'])
const BADGES = /(^|_)(status|state|severity)$|^closed_reason$/

export function columnsOf(rows, itemSchema = null, { selfId = null } = {}) {
  const props = (itemSchema && itemSchema.properties) || {}
  const keys = [...new Set([...Object.keys(props), ...rows.flatMap((r) => Object.keys(r || {}))])]
    .filter((k) => rows.some((r) => r && k in r))
  const consumed = new Set()
  const cols = []
  for (const key of keys) {
    if (key === 'assetid' || key.endsWith('_assetid')) {
      const prefix = key.slice(0, -'assetid'.length)
      if (selfId != null && rows.every((r) => r[key] === selfId || r[key] == null)) {
        consumed.add(key)
        consumed.add(`${prefix}asset_tag`)
        if (prefix) consumed.add(`${prefix}name`)
        continue
      }
      const tagKey = `${prefix}asset_tag`
      const nameKey = `${prefix}name`
      consumed.add(key)
      consumed.add(tagKey)
      if (keys.includes(nameKey)) consumed.add(nameKey)
      cols.push({ key, kind: 'asset', idKey: key, tagKey, nameKey: keys.includes(nameKey) ? nameKey : null,
        label: prefix ? humanize(prefix.replace(/_$/, '')) : 'Asset' })
    }
  }
  if (keys.includes('subnet_id')) {
    consumed.add('subnet_id')
    consumed.add('cidr')
    cols.push({ key: 'subnet_id', kind: 'subnet', idKey: 'subnet_id', tagKey: 'cidr', label: fieldLabel('subnet_id', props.subnet_id) })
  }
  for (const key of keys) {
    if (consumed.has(key) || HIDDEN.has(key)) continue
    const p = props[key] || {}
    const sample = rows.map((r) => r[key]).find((v) => v != null)
    let kind = 'text'
    if (key === 'site_id') kind = 'site'
    else if (p.format === 'date-time' || p.format === 'date' || /_at$|_on$/.test(key)) kind = 'date'
    else if (BADGES.test(key)) kind = 'badge'
    else if (p.type === 'boolean' || typeof sample === 'boolean') kind = 'bool'
    else if (p.type === 'array' || Array.isArray(sample)) kind = 'list'
    cols.push({ key, kind, label: fieldLabel(key, p) })
  }
  // Links first (what the row is about), then the rest in schema order.
  return [...cols.filter((c) => c.kind === 'asset' || c.kind === 'subnet'), ...cols.filter((c) => c.kind !== 'asset' && c.kind !== 'subnet')]
}

// A list value (e.g. a check-out's files) as one line of names.
export function listText(v) {
  if (!Array.isArray(v)) return ''
  return v.map((x) => (x && typeof x === 'object' ? x.name ?? x.label ?? JSON.stringify(x) : String(x))).join(', ')
}
