export const STATUSES = ['active', 'in_repair', 'inactive', 'retired', 'lost']
// Marker colours on the floor map; dark enough for white text and a 3:1 contrast on the light plan.
export const OP_COLORS = { running: '#1a7f37', idle: '#5c6977', down: '#c62828', maintenance: '#9a6200' }
export { valueLabel as label } from './labels.js'
