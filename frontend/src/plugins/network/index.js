import SubnetList from './SubnetList.vue'
import SubnetDetail from './SubnetDetail.vue'
import NetworkTab from './NetworkTab.vue'

export default {
  name: 'network',
  label: 'Network',
  order: 30,
  menu: [{ label: 'Network', to: '/network/subnets' }],
  routes: [
    { path: '/network/subnets', name: 'network-subnets', component: SubnetList },
    { path: '/network/subnets/:id(\\d+)', name: 'network-subnet', component: SubnetDetail, props: true },
  ],
  assetTab: { label: 'Network device', apiBase: '/network/devices', component: NetworkTab },
}
