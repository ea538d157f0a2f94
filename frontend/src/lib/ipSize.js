// Subnet sizes as exact integers: an IPv6 /64 has 2^64 addresses, more than a JavaScript number holds
// exactly (JSON.parse turns 18446744073709551616 into 18446744073709552000), so it is computed from the
// prefix with BigInt and shown with the browser's digit grouping.
export function subnetSize(subnet) {
  const bits = (subnet.ip_version === 6 || String(subnet.cidr || '').includes(':')) ? 128 : 32
  const prefix = subnet.prefix_length ?? Number(String(subnet.cidr || '').split('/')[1])
  if (!Number.isInteger(prefix)) return null
  return 2n ** BigInt(bits - prefix)
}

export function freeCount(subnet) {
  const size = subnetSize(subnet)
  return size === null ? null : size - BigInt(subnet.used || 0)
}

export function fmtBig(n) {
  if (n === null || n === undefined) return '—'
  return typeof n === 'bigint' ? n.toLocaleString() : Number(n).toLocaleString()
}
