// Humane labels for API field names. A schema property's `title` (OpenAPI) wins; without one the name is
// turned into words, with the plant's acronyms kept upper-case and id/at suffixes dropped.
const KNOWN = {
  assetid: 'Asset',
  asset_tag: 'Tag',
  asset_type: 'Type',
  site_id: 'Site',
  location_id: 'Location',
  subnet_id: 'Subnet',
  cidr: 'Subnet',
  serial_number: 'Serial number',
  mgmt_ip: 'Management IP',
  primary_ip: 'Primary IP',
  ip_address: 'IP address',
  ip_addresses: 'IP addresses',
  mac_address: 'MAC address',
  mac_vendor: 'MAC vendor',
  os_name: 'Operating system',
  os_version: 'OS version',
  pc_type: 'PC type',
  speed_mbps: 'Speed (Mbit/s)',
  capacity_mb: 'Capacity (MB)',
  vlan: 'VLAN',
  ip_version: 'IP version',
  floor_x: 'Floor X',
  floor_y: 'Floor Y',
  sha256: 'SHA-256',
  current_checkout: 'Current check-out',
  controls: 'Controlled machines',
  computers: 'Computers that print here',
  interfaces: 'Interfaces',
}
const ACRONYMS = new Set(['ip', 'mac', 'os', 'id', 'vlan', 'usb', 'cnc', 'url', 'pc', 'cmm', 'zpl', 'pdf', 'csv', 'api'])

export function humanize(name) {
  if (name == null) return ''
  const n = String(name)
  if (KNOWN[n]) return KNOWN[n]
  let words = n.split('_').filter(Boolean)
  if (words.length > 1 && ['at', 'id', 'assetid'].includes(words[words.length - 1])) words = words.slice(0, -1)
  const text = words.map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w)).join(' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

// The label of `name` given its schema property (may be null).
export function fieldLabel(name, property = null) {
  return (property && property.title) || humanize(name)
}

// A value of an enum or choice set shown as words ("in_repair" → "in repair").
export const valueLabel = (v) => (v == null ? '' : String(v).replace(/_/g, ' '))
