import UsbList from './UsbList.vue'
import UsbTab from './UsbTab.vue'

export default {
  name: 'usb',
  label: 'USB custody',
  order: 50,
  menu: [{ label: 'USB custody', to: '/usb' }],
  routes: [{ path: '/usb', name: 'usb', component: UsbList }],
  assetTab: { label: 'USB custody', apiBase: '/usb', component: UsbTab },
}
