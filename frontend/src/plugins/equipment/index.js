import FloorMap from './FloorMap.vue'

export default {
  name: 'equipment',
  label: 'Equipment',
  order: 20,
  menu: [{ label: 'Floor map', to: '/equipment/map' }],
  routes: [{ path: '/equipment/map', name: 'equipment-map', component: FloorMap }],
  assetTab: { label: 'Machine', apiBase: '/equipment' },
}
