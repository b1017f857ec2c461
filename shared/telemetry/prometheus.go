package telemetry

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

// PrometheusContentType is the media type of the Prometheus text format
// MetricsHandler serves.
const PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

// collectTimeout bounds one scrape's collection.
const collectTimeout = 10 * time.Second

// collector is the part of a metric reader a scrape needs
// (*sdkmetric.ManualReader).
type collector interface {
	Collect(ctx context.Context, rm *metricdata.ResourceMetrics) error
}

type promHandler struct{ reader collector }

func (h *promHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), collectTimeout)
	defer cancel()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(ctx, &rm); err != nil {
		http.Error(w, "collect metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", PrometheusContentType)
	_ = WritePrometheus(w, &rm)
}

// WritePrometheus writes rm in the Prometheus text exposition format
// (version 0.0.4), the way the OpenTelemetry Prometheus exporter names
// things: dots become underscores, the unit is appended (s → _seconds,
// ms → _milliseconds, By → _bytes; {annotations} and 1 are dropped),
// monotonic sums are counters ending in _total, other sums and gauges are
// gauges, histograms have cumulative _bucket{le=...}, _sum and _count.
// Attributes become labels; the resource's attributes are the labels of
// one target_info gauge. Metrics are sorted by name, series by labels.
func WritePrometheus(w io.Writer, rm *metricdata.ResourceMetrics) error {
	bw := new(bytes.Buffer)
	writeTargetInfo(bw, rm.Resource)
	var all []metricdata.Metrics
	for _, sm := range rm.ScopeMetrics {
		all = append(all, sm.Metrics...)
	}
	slices.SortStableFunc(all, func(a, b metricdata.Metrics) int { return strings.Compare(a.Name, b.Name) })
	for _, m := range all {
		writeMetric(bw, m)
	}
	_, err := w.Write(bw.Bytes())
	return err
}

func writeTargetInfo(w *bytes.Buffer, res *resource.Resource) {
	if res == nil || res.Len() == 0 {
		return
	}
	w.WriteString("# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info")
	writeLabels(w, *res.Set(), "", "")
	w.WriteString(" 1\n")
}

func writeMetric(w *bytes.Buffer, m metricdata.Metrics) {
	name := promName(m.Name, m.Unit)
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		writeSum(w, m, name, d.IsMonotonic, points(d.DataPoints))
	case metricdata.Sum[float64]:
		writeSum(w, m, name, d.IsMonotonic, points(d.DataPoints))
	case metricdata.Gauge[int64]:
		writeSeries(w, m, name, "gauge", points(d.DataPoints))
	case metricdata.Gauge[float64]:
		writeSeries(w, m, name, "gauge", points(d.DataPoints))
	case metricdata.Histogram[int64]:
		writeHistogram(w, m, name, histPoints(d.DataPoints))
	case metricdata.Histogram[float64]:
		writeHistogram(w, m, name, histPoints(d.DataPoints))
	}
}

// point is a data point with its value as float64.
type point struct {
	attrs attribute.Set
	value float64
}

func points[N int64 | float64](dps []metricdata.DataPoint[N]) []point {
	out := make([]point, len(dps))
	for i, dp := range dps {
		out[i] = point{dp.Attributes, float64(dp.Value)}
	}
	sortPoints(out, func(p point) attribute.Set { return p.attrs })
	return out
}

type histPoint struct {
	attrs  attribute.Set
	bounds []float64
	counts []uint64
	sum    float64
	count  uint64
}

func histPoints[N int64 | float64](dps []metricdata.HistogramDataPoint[N]) []histPoint {
	out := make([]histPoint, len(dps))
	for i, dp := range dps {
		out[i] = histPoint{dp.Attributes, dp.Bounds, dp.BucketCounts, float64(dp.Sum), dp.Count}
	}
	sortPoints(out, func(p histPoint) attribute.Set { return p.attrs })
	return out
}

func sortPoints[P any](ps []P, attrs func(P) attribute.Set) {
	slices.SortStableFunc(ps, func(a, b P) int {
		sa, sb := attrs(a), attrs(b)
		return strings.Compare(sa.Encoded(attribute.DefaultEncoder()), sb.Encoded(attribute.DefaultEncoder()))
	})
}

func writeHeader(w *bytes.Buffer, m metricdata.Metrics, name, typ string) {
	if m.Description != "" {
		w.WriteString("# HELP " + name + " " + escapeHelp(m.Description) + "\n")
	}
	w.WriteString("# TYPE " + name + " " + typ + "\n")
}

func writeSum(w *bytes.Buffer, m metricdata.Metrics, name string, monotonic bool, ps []point) {
	if !monotonic {
		writeSeries(w, m, name, "gauge", ps)
		return
	}
	writeSeries(w, m, strings.TrimSuffix(name, "_total")+"_total", "counter", ps)
}

func writeSeries(w *bytes.Buffer, m metricdata.Metrics, name, typ string, ps []point) {
	writeHeader(w, m, name, typ)
	for _, p := range ps {
		w.WriteString(name)
		writeLabels(w, p.attrs, "", "")
		w.WriteByte(' ')
		w.WriteString(formatFloat(p.value))
		w.WriteByte('\n')
	}
}

func writeHistogram(w *bytes.Buffer, m metricdata.Metrics, name string, ps []histPoint) {
	writeHeader(w, m, name, "histogram")
	for _, p := range ps {
		var cum uint64
		for i, c := range p.counts {
			cum += c
			le := "+Inf"
			if i < len(p.bounds) {
				le = formatFloat(p.bounds[i])
			}
			w.WriteString(name + "_bucket")
			writeLabels(w, p.attrs, "le", le)
			w.WriteString(" " + strconv.FormatUint(cum, 10) + "\n")
		}
		w.WriteString(name + "_sum")
		writeLabels(w, p.attrs, "", "")
		w.WriteString(" " + formatFloat(p.sum) + "\n")
		w.WriteString(name + "_count")
		writeLabels(w, p.attrs, "", "")
		w.WriteString(" " + strconv.FormatUint(p.count, 10) + "\n")
	}
}

// writeLabels writes {k="v",...} for the attributes and an extra label
// (none when extraKey is ""); nothing when there are no labels.
func writeLabels(w *bytes.Buffer, set attribute.Set, extraKey, extraValue string) {
	if set.Len() == 0 && extraKey == "" {
		return
	}
	w.WriteByte('{')
	sep := ""
	for _, kv := range set.ToSlice() {
		w.WriteString(sep + promLabel(string(kv.Key)) + `="` + escapeLabel(kv.Value.String()) + `"`)
		sep = ","
	}
	if extraKey != "" {
		w.WriteString(sep + extraKey + `="` + escapeLabel(extraValue) + `"`)
	}
	w.WriteByte('}')
}

// promName turns an instrument name and unit into a Prometheus metric name.
func promName(name, unit string) string {
	n := sanitize(name, true)
	if suffix := unitSuffix(unit); suffix != "" && !strings.HasSuffix(n, "_"+suffix) {
		n += "_" + suffix
	}
	return n
}

func unitSuffix(unit string) string {
	switch unit {
	case "s":
		return "seconds"
	case "ms":
		return "milliseconds"
	case "By":
		return "bytes"
	case "", "1":
		return ""
	}
	if strings.HasPrefix(unit, "{") {
		return ""
	}
	return sanitize(unit, false)
}

// promLabel turns an attribute key into a label name.
func promLabel(key string) string {
	l := sanitize(key, false)
	if strings.HasPrefix(l, "__") {
		l = "key" + l
	}
	return l
}

// sanitize replaces every character a Prometheus name cannot hold with an
// underscore (metric names may hold colons) and prefixes one that starts
// with a digit.
func sanitize(s string, metric bool) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || metric && c == ':'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		return "_" + string(b)
	}
	return string(b)
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
