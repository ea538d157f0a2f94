// Plugin UI registry. Bundled plugins: every folder plugins/<name>/index.js, picked up at build time.
// Plugins that ship apart from ShopDB (their own wheel, a sister site's folder) carry a prebuilt
// ui/index.js; /api/v1/health announces its URL as plugins.<name>.ui and loadPluginBundles() imports
// it at start-up (docs/PLUGIN-HOOKS.md, "A plugin's own UI").
// Each entry is { name, label, menu: [{label, to}], routes: [...], assetTab: {label, apiBase, component?} };
// `name` is the backend plugin's name (GET /api/v1/health, /api/v1/asset-types `plugin`).
import * as vue from 'vue'
import { shallowReactive } from 'vue'
import { api } from '../api.js'

const modules = import.meta.glob('./*/index.js', { eager: true })
const byOrder = (a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name)

// Reactive: the menu shows a bundle's entries once it has loaded.
export const plugins = shallowReactive(
  Object.values(modules)
    .map((m) => m.default)
    .filter(Boolean)
    .sort(byOrder),
)

function routesOf(p) {
  return (p.routes || []).map((r) => ({ ...r, meta: { ...(r.meta || {}), plugin: p.name } }))
}

export const pluginRoutes = plugins.flatMap(routesOf)

export function pluginByName(name) {
  return plugins.find((p) => p.name === name) || null
}

// Menu entries of the plugins whose backend is enabled (all of them while health is unknown).
export function menuEntries(enabled) {
  return plugins
    .filter((p) => !enabled || enabled.has(p.name))
    .flatMap((p) => (p.menu || []).map((m) => ({ ...m, plugin: p.name })))
}

// What a bundle may use instead of importing 'vue' itself (a bare import does not resolve in the
// browser): `export default ({ vue, api }) => ({ name, ... })`. A plain object export works too.
const context = { vue, api }

// Import the UI bundle of every enabled plugin that has one and is not built in; add its routes.
// A bundle that fails to load or names another plugin is left out (logged), never fatal to the UI.
export async function loadPluginBundles(healthPlugins, router) {
  const wanted = Object.entries(healthPlugins || {}).filter(
    ([name, p]) => p.state === 'enabled' && p.ui && !pluginByName(name),
  )
  await Promise.all(
    wanted.map(async ([name, p]) => {
      try {
        const module = await import(/* @vite-ignore */ p.ui)
        const entry = typeof module.default === 'function' ? module.default(context) : module.default
        if (!entry || entry.name !== name) throw new Error(`its default export must name '${name}'`)
        plugins.push(entry)
        plugins.sort(byOrder)
        for (const route of routesOf(entry)) router.addRoute(route)
      } catch (error) {
        console.error(`plugin ${name}: its UI bundle ${p.ui} was not loaded:`, error)
      }
    }),
  )
}
