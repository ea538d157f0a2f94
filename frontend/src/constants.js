export const STATUSES = ['active', 'in_repair', 'inactive', 'retired', 'lost']
export const OP_COLORS = { running: '#1a7f37', idle: '#6c7a89', down: '#c62828', maintenance: '#b7791f' }
export const label = (s) => (s == null ? '' : String(s).replace(/_/g, ' '))
