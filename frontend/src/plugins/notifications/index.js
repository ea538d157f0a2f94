import NotificationsAdmin from './NotificationsAdmin.vue'

export default {
  name: 'notifications',
  label: 'Notifications',
  order: 60,
  menu: [{ label: 'Notifications', to: '/notifications' }],
  routes: [{ path: '/notifications', name: 'notifications', component: NotificationsAdmin }],
  assetTab: null,
}
