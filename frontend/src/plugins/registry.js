// Plugin UI registry: every folder plugins/<name>/index.js is picked up at build time.
// Each exports default { name, label, menu: [{label, to}], routes: [...], assetTab: {label, apiBase, component?} }.
// `name` is the backend plugin's name (GET /api/v1/health, /api/v1/asset-types `plugin`).
const modules = import.meta.glob('./*/index.js', { eager: true })

export const plugins = Object.values(modules)
  .map((m) => m.default)
  .filter(Boolean)
  .sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name))

export const pluginRoutes = plugins.flatMap((p) =>
  (p.routes || []).map((r) => ({ ...r, meta: { ...(r.meta || {}), plugin: p.name } })),
)

export function pluginByName(name) {
  return plugins.find((p) => p.name === name) || null
}

// Menu entries of the plugins whose backend is enabled (all of them while health is unknown).
export function menuEntries(enabled) {
  return plugins
    .filter((p) => !enabled || enabled.has(p.name))
    .flatMap((p) => (p.menu || []).map((m) => ({ ...m, plugin: p.name })))
}
