/**
 * The chart kit: small SVG charts with no chart library and no client JavaScript of their own,
 * so they render on the server or inside a client component alike. One palette, one tick rule.
 */
export { PALETTE, niceTicks, formatNumber, valueDomain } from './palette';
export { BarChart, type Bar } from './bar-chart';
export { LineChart, type LinePoint, type LineSeries } from './line-chart';
export { GroupedBars } from './grouped-bars';
export { Heatmap } from './heatmap';
export { ReliabilityDiagram, type ReliabilityBinView } from './reliability-diagram';
