// The region's map with ECharts alone (no tile server: it works on an offline intranet): grid
// outlines from the API's GeoJSON, open reports as points coloured by their light, or a heat
// view of them. Clicking a point opens the report.

const COLOURS = { green: '#2e9d5b', yellow: '#e0a800', red: '#d64541' };

/** Draws (or redraws) on `el`; returns the chart. */
export function drawMap(echarts, el, chart, grids, reports, heat) {
  const geo = {
    type: 'FeatureCollection',
    features: grids.map((g) => ({
      type: 'Feature', properties: { name: g.name }, geometry: g.geometry,
    })),
  };
  echarts.registerMap('cunxiang-grids', geo);
  const located = reports.filter((r) => r.location);
  const points = located.map((r) => ({
    name: r.case_number,
    value: [r.location.lon, r.location.lat, 1],
    id: r.id,
    itemStyle: { color: COLOURS[r.light] || '#888' },
  }));
  chart = chart || echarts.init(el);
  chart.setOption({
    tooltip: { trigger: 'item', formatter: (p) => (p.seriesType === 'map' ? p.name : p.name) },
    geo: {
      map: 'cunxiang-grids', roam: true,
      itemStyle: { areaColor: '#e8eef6', borderColor: '#5b7aa6' },
      emphasis: { itemStyle: { areaColor: '#cfe0f5' }, label: { show: false } },
      label: { show: grids.length <= 30, fontSize: 10, color: '#41556f' },
    },
    visualMap: heat
      ? { show: false, min: 0, max: 3, inRange: { color: ['#ffe08a', '#ff9f43', '#d64541'] } }
      : undefined,
    series: [
      heat
        ? { id: 'reports', type: 'heatmap', coordinateSystem: 'geo', data: points.map((p) => p.value), pointSize: 14, blurSize: 18 }
        : { id: 'reports', type: 'scatter', coordinateSystem: 'geo', data: points, symbolSize: 12 },
    ],
  }, { notMerge: true });
  chart.off('click');
  chart.on('click', (p) => {
    if (p.data && p.data.id) location.hash = '#/reports/' + p.data.id;
  });
  el.dataset.points = String(points.length);
  el.dataset.grids = String(grids.length);
  return chart;
}
