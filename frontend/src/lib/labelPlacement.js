// Floor-map labels that do not collide: each marker's tag goes above it, else below, right or left,
// whichever first overlaps neither another label nor another marker (greedy, top to bottom) and stays
// inside the drawing (`bounds`, the SVG's viewBox: a label past its edge is cut off). Text width is
// estimated from the character count; good enough for short asset tags.
const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h

const within = (box, bounds) => !bounds || (box.x >= bounds.x && box.y >= bounds.y
  && box.x + box.w <= bounds.x + bounds.w && box.y + box.h <= bounds.y + bounds.h)

export function placeLabels(points, { r, fontSize, charWidth = 0.62, bounds = null }) {
  const taken = points.map((p) => ({ id: p.id, x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r }))
  const placed = {}
  const order = [...points].sort((a, b) => a.y - b.y || a.x - b.x)
  for (const p of order) {
    const w = String(p.text).length * fontSize * charWidth
    const h = fontSize
    const gap = r * 0.4
    const candidates = [
      { x: p.x, y: p.y - r - gap, anchor: 'middle', box: { x: p.x - w / 2, y: p.y - r - gap - h, w, h } },
      { x: p.x, y: p.y + r + gap + h * 0.8, anchor: 'middle', box: { x: p.x - w / 2, y: p.y + r + gap, w, h } },
      { x: p.x + r + gap, y: p.y + h * 0.35, anchor: 'start', box: { x: p.x + r + gap, y: p.y - h * 0.65, w, h } },
      { x: p.x - r - gap, y: p.y + h * 0.35, anchor: 'end', box: { x: p.x - r - gap - w, y: p.y - h * 0.65, w, h } },
      { x: p.x, y: p.y - r - gap - h * 1.1, anchor: 'middle', box: { x: p.x - w / 2, y: p.y - r - gap - h * 2.1, w, h } },
      { x: p.x, y: p.y + r + gap + h * 1.9, anchor: 'middle', box: { x: p.x - w / 2, y: p.y + r + gap + h * 1.1, w, h } },
      // Diagonals, for a marker in a corner or a crowd: above or below, running away from the marker.
      { x: p.x + r * 0.7, y: p.y - r - gap, anchor: 'start', box: { x: p.x + r * 0.7, y: p.y - r - gap - h, w, h } },
      { x: p.x + r * 0.7, y: p.y + r + gap + h * 0.8, anchor: 'start', box: { x: p.x + r * 0.7, y: p.y + r + gap, w, h } },
      { x: p.x - r * 0.7, y: p.y - r - gap, anchor: 'end', box: { x: p.x - r * 0.7 - w, y: p.y - r - gap - h, w, h } },
      { x: p.x - r * 0.7, y: p.y + r + gap + h * 0.8, anchor: 'end', box: { x: p.x - r * 0.7 - w, y: p.y + r + gap, w, h } },
    ]
    const clear = (c) => !taken.some((t) => t.id !== p.id && overlaps(c.box, t))
    // Best: clear and whole; then clear but cut at the edge; then whole but overlapping.
    const free = candidates.find((c) => clear(c) && within(c.box, bounds)) || candidates.find(clear)
    const chosen = free || candidates.find((c) => within(c.box, bounds)) || candidates[0]
    taken.push({ id: `label:${p.id}`, ...chosen.box })
    placed[p.id] = { x: chosen.x, y: chosen.y, anchor: chosen.anchor, collides: !free }
  }
  return placed
}
