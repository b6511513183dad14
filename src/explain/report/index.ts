export { classificationMetrics, type ClassificationMetrics } from './metrics.js';
export { buildReport, type BuildReportOptions, type ReportData, type WorstImage } from './build.js';
export { reportHtml, reportCharts, base64 } from './html.js';
export { lineChartSvg, confusionSvg } from './svg.js';
export { lineChartImage, confusionImage } from './raster.js';
export type { LineChart, Series } from './chart.js';
