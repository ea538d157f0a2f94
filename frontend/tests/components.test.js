import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import { fakeFetch, flush } from './fakeApi.js'
import { session } from '../src/api.js'
import AssetPicker from '../src/components/AssetPicker.vue'
import CustodyPanel from '../src/plugins/usb/CustodyPanel.vue'
import NestedTable from '../src/components/NestedTable.vue'

const stubs = { RouterLink: RouterLinkStub }
const HITS = [
  { assetid: 1, asset_tag: 'M-1001', name: 'DMG Mori DMU 50', asset_type: 'equipment', matched: 'asset_tag' },
  { assetid: 19, asset_tag: 'PC-000001', name: 'Cell A4 PC', asset_type: 'computer', matched: 'primary_ip' },
  { assetid: 2, asset_tag: 'M-1002', name: 'Mazak', asset_type: 'equipment', matched: 'name' },
]
const settle = async () => {
  for (let i = 0; i < 5; i++) await flush()
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  session.user = null
})

describe('AssetPicker: pick an asset by typing, with the keyboard', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    fakeFetch({ 'GET /api/v1/search': { data: HITS, meta: {} } })
  })

  it('offers the matches in a listbox and picks one with arrows and Enter', async () => {
    const w = mount(AssetPicker, { props: { id: 'pick', modelValue: null }, global: { stubs } })
    const input = w.get('input')
    expect(input.attributes('role')).toBe('combobox')
    expect(input.attributes('aria-expanded')).toBe('false')
    await input.setValue('M-')
    vi.advanceTimersByTime(250)
    vi.useRealTimers()
    await settle()
    expect(input.attributes('aria-expanded')).toBe('true')
    const options = w.findAll('[role=option]')
    expect(options).toHaveLength(3)
    expect(input.attributes('aria-activedescendant')).toBe(options[0].attributes('id'))
    await input.trigger('keydown', { key: 'ArrowDown' })
    expect(input.attributes('aria-activedescendant')).toBe(options[1].attributes('id'))
    await input.trigger('keydown', { key: 'Enter' })
    expect(w.emitted('update:modelValue').at(-1)).toEqual([19])
    expect(input.element.value).toBe('PC-000001 · Cell A4 PC')
    expect(input.attributes('aria-expanded')).toBe('false')
  })

  it('offers only the asked-for types and closes on Escape', async () => {
    const w = mount(AssetPicker, { props: { id: 'machine', modelValue: null, types: ['equipment'] }, global: { stubs } })
    const input = w.get('input')
    await input.setValue('m')
    vi.advanceTimersByTime(250)
    vi.useRealTimers()
    await settle()
    expect(w.findAll('[role=option]').map((o) => o.attributes('data-assetid'))).toEqual(['1', '2'])
    await input.trigger('keydown', { key: 'Escape' })
    expect(input.attributes('aria-expanded')).toBe('false')
  })
})

const stick = (over = {}) => ({ assetid: 44, asset_tag: 'USB-00001', label: 'PRG-1', site_id: 1, version: 3, approved: true,
  custody_state: 'in_store', custody_note: null, ...over })
function custodyApi(s, extra = {}) {
  return fakeFetch({
    'GET /api/v1/usb/44': { data: s },
    'GET /api/v1/usb/44/custody': { data: [], meta: {} },
    'GET /api/v1/sites': { data: [{ id: 1, code: 'P1', timezone: 'Europe/Berlin' }], meta: { pages: 1 } },
    ...extra,
  })
}

describe('CustodyPanel follows the role and the stick', () => {
  it('offers an editor the check-out form for an approved stick in store', async () => {
    session.user = { username: 'ed', role: 'editor' }
    custodyApi(stick())
    const w = mount(CustodyPanel, { props: { assetid: 44 }, global: { stubs } })
    await settle()
    expect(w.find('button[type=submit]').text()).toBe('Check out')
  })

  it('offers no check-out for a stick that is not approved', async () => {
    session.user = { username: 'ed', role: 'editor' }
    custodyApi(stick({ approved: false }))
    const w = mount(CustodyPanel, { props: { assetid: 44 }, global: { stubs } })
    await settle()
    expect(w.find('form').exists()).toBe(false)
    expect(w.get('[data-test=not-approved]').text()).toContain('not approved')
  })

  it('offers a viewer no action at all', async () => {
    session.user = { username: 'vi', role: 'viewer' }
    custodyApi(stick())
    const w = mount(CustodyPanel, { props: { assetid: 44 }, global: { stubs } })
    await settle()
    expect(w.find('form').exists()).toBe(false)
    expect(w.text()).toContain('Custody chain')
  })

  it('shows the server state after a refused check-out', async () => {
    session.user = { username: 'ed', role: 'editor' }
    let state = stick()
    const fetch = custodyApi(null, {
      'GET /api/v1/usb/44': () => ({ data: state }),
      'POST /api/v1/usb/44/checkout': () => {
        state = stick({ custody_state: 'checked_out', version: 4 }) // someone else took it meanwhile
        return { status: 409, body: { error: { code: 'conflict', message: 'USB-00001 is already checked out.' } } }
      },
    })
    const w = mount(CustodyPanel, { props: { assetid: 44 }, global: { stubs } })
    await settle()
    await w.get('#co-to').setValue('Op')
    await w.get('#co-purpose').setValue('Program')
    await w.get('form').trigger('submit')
    await settle()
    expect(w.text()).toContain('already checked out')
    expect(w.get('.badge.checked_out').text()).toBe('checked out')
    expect(w.find('#co-to').exists()).toBe(false)
    expect(w.get('button[type=submit]').text()).toBe('Check in')
    expect(fetch.calls.filter((c) => c.path === '/api/v1/usb/44').length).toBe(2)
  })
})

describe('NestedTable', () => {
  it('links each connected asset and subnet', () => {
    const rows = [{ connected_assetid: 52, connected_asset_tag: 'RT-P1-01', connected_name: 'Edge router', port: 'port1' }]
    const w = mount(NestedTable, { props: { rows, caption: 'Interfaces' }, global: { stubs } })
    const link = w.getComponent(RouterLinkStub)
    expect(link.props('to')).toBe('/assets/52')
    expect(link.text()).toBe('RT-P1-01')
    expect(w.get('caption').text()).toBe('Interfaces')
    expect(w.findAll('th').map((t) => t.text())).toEqual(['Connected', 'Port'])
  })
})
