// asset type → backend plugin (GET /api/v1/asset-types) → UI plugin (registry) → API base of its flat objects.
import { lookups } from './api.js'
import { pluginByName } from './plugins/registry.js'

export async function typeInfo(typeName) {
  const types = await lookups.assetTypes()
  const t = types.find((x) => x.name === typeName) || null
  const ui = t && t.plugin ? pluginByName(t.plugin) : null
  const apiBase = ui && ui.assetTab && ui.assetTab.apiBase ? ui.assetTab.apiBase : null
  return { type: t, ui, apiBase }
}
