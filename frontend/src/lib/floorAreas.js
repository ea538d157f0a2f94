// The floor map's areas: the locations of one site as a picker (tree order, indented), the machines an
// area holds (its own and its sub-locations'), and the part of the floor the map shows.

// [{ id, name, depth, label }] in tree order: each location after its parent, siblings by name. A location
// whose parent is missing (another site, deleted) is shown at the top rather than lost; a cycle cannot
// loop (each location is placed once).
export function areaOptions(locations) {
  const byParent = new Map()
  const ids = new Set(locations.map((l) => l.id))
  for (const l of locations) {
    const parent = l.parent_id != null && ids.has(l.parent_id) ? l.parent_id : null
    if (!byParent.has(parent)) byParent.set(parent, [])
    byParent.get(parent).push(l)
  }
  for (const list of byParent.values()) list.sort((a, b) => String(a.name).localeCompare(String(b.name)) || a.id - b.id)
  const out = []
  const seen = new Set()
  const walk = (parent, depth) => {
    for (const l of byParent.get(parent) || []) {
      if (seen.has(l.id)) continue
      seen.add(l.id)
      out.push({ id: l.id, name: l.name, depth, label: `${'\u2003'.repeat(depth)}${l.name}` })
      walk(l.id, depth + 1)
    }
  }
  walk(null, 0)
  // Members of a cycle have no root to hang from: list them too, at the top.
  for (const l of locations) {
    if (!seen.has(l.id)) {
      seen.add(l.id)
      out.push({ id: l.id, name: l.name, depth: 0, label: l.name })
      walk(l.id, 1)
    }
  }
  return out
}

// The ids of an area and of every location inside it (a hall's cells): the machines standing there.
export function locationsWithin(locations, areaId) {
  const id = Number(areaId)
  const children = new Map()
  for (const l of locations) {
    if (l.parent_id == null) continue
    if (!children.has(l.parent_id)) children.set(l.parent_id, [])
    children.get(l.parent_id).push(l.id)
  }
  const within = new Set([id])
  const queue = [id]
  while (queue.length) {
    for (const child of children.get(queue.shift()) || []) {
      if (!within.has(child)) {
        within.add(child)
        queue.push(child)
      }
    }
  }
  return within
}

// The part of the floor the map shows, in the site's floor units: the plan (placed at its origin), grown
// only so that a machine standing outside it stays reachable; without a plan, the machines with a margin.
export function floorBox(plan, points) {
  const xs = points.map((p) => p.x)
  const ys = points.map((p) => p.y)
  if (plan) {
    const x0 = plan.origin_x || 0
    const y0 = plan.origin_y || 0
    if (!points.length) return { x: x0, y: y0, w: plan.floor_width, h: plan.floor_height }
    const margin = plan.floor_width / 50
    const left = Math.min(x0, Math.min(...xs) - margin)
    const top = Math.min(y0, Math.min(...ys) - margin)
    const right = Math.max(x0 + plan.floor_width, Math.max(...xs) + margin)
    const bottom = Math.max(y0 + plan.floor_height, Math.max(...ys) + margin)
    return { x: Math.max(0, left), y: Math.max(0, top), w: right - Math.max(0, left), h: bottom - Math.max(0, top) }
  }
  if (!points.length) return { x: 0, y: 0, w: 100, h: 60 }
  const pad = 12
  const x = Math.min(...xs) - pad
  const y = Math.min(...ys) - pad
  return { x, y, w: Math.max(Math.max(...xs) - x + pad, 40), h: Math.max(Math.max(...ys) - y + pad, 30) }
}
