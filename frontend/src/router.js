import { createRouter, createWebHistory } from 'vue-router'
import { session, checkSession, setUnauthorizedHandler } from './api.js'
import { pluginRoutes } from './plugins/registry.js'
import LoginPage from './pages/LoginPage.vue'
import DashboardPage from './pages/DashboardPage.vue'
import AssetList from './pages/AssetList.vue'
import AssetDetail from './pages/AssetDetail.vue'
import AssetForm from './pages/AssetForm.vue'
import PluginsAdmin from './pages/PluginsAdmin.vue'
import NotFound from './pages/NotFound.vue'

const routes = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
  { path: '/', name: 'dashboard', component: DashboardPage },
  { path: '/assets', name: 'assets', component: AssetList },
  { path: '/assets/new', name: 'asset-new', component: AssetForm },
  { path: '/assets/:id(\\d+)', name: 'asset', component: AssetDetail, props: true },
  { path: '/assets/:id(\\d+)/edit', name: 'asset-edit', component: AssetForm, props: true },
  { path: '/admin/plugins', name: 'plugins-admin', component: PluginsAdmin },
  ...pluginRoutes,
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFound },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (!session.checked) await checkSession()
  if (!to.meta.public && !session.user) return { name: 'login', query: { next: to.fullPath } }
  if (to.name === 'login' && session.user) return { name: 'dashboard' }
  return true
})

setUnauthorizedHandler(() => {
  const here = router.currentRoute.value
  if (here.name !== 'login') router.push({ name: 'login', query: { next: here.fullPath } })
})
