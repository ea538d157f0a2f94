import { createRouter, createWebHistory } from 'vue-router'
import { session, checkSession, setUnauthorizedHandler, canWrite } from './api.js'
import { pluginRoutes } from './plugins/registry.js'
import LoginPage from './pages/LoginPage.vue'
import DashboardPage from './pages/DashboardPage.vue'
import AssetList from './pages/AssetList.vue'
import AssetDetail from './pages/AssetDetail.vue'
import AssetForm from './pages/AssetForm.vue'
import PluginsAdmin from './pages/PluginsAdmin.vue'
import ImportPage from './pages/ImportPage.vue'
import NotFound from './pages/NotFound.vue'

const routes = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
  { path: '/', name: 'dashboard', component: DashboardPage },
  { path: '/assets', name: 'assets', component: AssetList },
  { path: '/assets/new', name: 'asset-new', component: AssetForm, meta: { write: true } },
  { path: '/assets/:id(\\d+)', name: 'asset', component: AssetDetail, props: true },
  { path: '/assets/:id(\\d+)/edit', name: 'asset-edit', component: AssetForm, props: true, meta: { write: true } },
  { path: '/import', name: 'import', component: ImportPage, meta: { write: true } },
  { path: '/admin/plugins', name: 'plugins-admin', component: PluginsAdmin },
  ...pluginRoutes,
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFound },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (!session.checked) await checkSession()
  if (!to.meta.public && !session.user) return { name: 'login', query: { next: to.fullPath } }
  if (to.name === 'login' && session.user) return { name: 'dashboard' }
  // A viewer who follows a bookmarked edit link lands on what they may see instead of a form they cannot save.
  if (to.meta.write && !canWrite()) return to.params.id ? { name: 'asset', params: { id: to.params.id } } : { name: 'assets' }
  return true
})

setUnauthorizedHandler(() => {
  const here = router.currentRoute.value
  if (here.name !== 'login') router.push({ name: 'login', query: { next: here.fullPath } })
})
