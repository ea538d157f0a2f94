import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { lookups } from './api.js'
import { loadPluginBundles } from './plugins/registry.js'
import './style.css'

// Plugins that ship their own UI bundle are imported before the first route resolves, so a
// bookmarked /widgets page of such a plugin opens as well as a built-in one.
async function start() {
  try {
    const health = await lookups.health()
    await loadPluginBundles(health.data.plugins, router)
  } catch (error) {
    console.error('plugin UI bundles not loaded:', error)
  }
  createApp(App).use(router).mount('#app')
}

start()
