export default {
  name: 'printers',
  label: 'Printers',
  order: 40,
  menu: [],
  routes: [],
  assetTab: { label: 'Printer', apiBase: '/printers' },
}
