export default {
  name: 'computers',
  label: 'Computers',
  order: 10,
  menu: [],
  routes: [],
  assetTab: { label: 'Computer', apiBase: '/computers' },
}
