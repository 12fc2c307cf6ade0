package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"math"
	"os"
	"sort"
	"strings"
)

// series is one line of a panel.
type series struct {
	name  string
	color string
	ys    []float64
}

// panel is one chart of the plot, over the soak's minutes.
type panel struct {
	title string
	lines []series
}

const (
	plotWidth   = 960
	panelHeight = 170
	marginLeft  = 70
	marginRight = 170 // the legend
	marginTop   = 28
	marginBelow = 40
)

var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"}

// runPlot draws a soak's JSON report again as SVG.
func runPlot(args []string) error {
	fs := flag.NewFlagSet("loadgen plot", flag.ContinueOnError)
	in := fs.String("json", "bench-results/soak/soak.json", "a soak's report")
	out := fs.String("out", "", "the SVG to write; empty: next to the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var r SoakReport
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	if *out == "" {
		*out = strings.TrimSuffix(*in, ".json") + ".svg"
	}
	return os.WriteFile(*out, []byte(plotSoak(r)), 0o644)
}

// plotSoak draws a soak's intervals as an SVG image: throughput, latency,
// RSS, the data directory and its write-ahead logs over time.
func plotSoak(r SoakReport) string {
	xs := make([]float64, len(r.Intervals))
	var creates, p50, p99, rss, total []float64
	wals := map[string][]float64{}
	for i, iv := range r.Intervals {
		xs[i] = iv.EndSeconds / 60
		creates, p50, p99 = append(creates, iv.CreatesPerSec), append(p50, iv.LatencyMs.P50), append(p99, iv.LatencyMs.P99)
		rss = append(rss, iv.RSSMB)
		var all int64
		for name, n := range iv.Files {
			all += n
			if strings.HasSuffix(name, "-wal") {
				if wals[name] == nil {
					wals[name] = make([]float64, len(r.Intervals))
				}
				wals[name][i] = mib(n)
			}
		}
		total = append(total, mib(all))
	}
	walNames := make([]string, 0, len(wals))
	for name := range wals {
		walNames = append(walNames, name)
	}
	sort.Strings(walNames)
	walLines := make([]series, len(walNames))
	for i, name := range walNames {
		walLines[i] = series{name: name, color: palette[i%len(palette)], ys: wals[name]}
	}
	panels := []panel{
		{title: "creates/s", lines: []series{{name: "creates/s", color: palette[0], ys: creates}}},
		{title: "latency (ms)", lines: []series{{name: "p99", color: palette[1], ys: p99}, {name: "p50", color: palette[0], ys: p50}}},
		{title: "service RSS (MB)", lines: []series{{name: "RSS", color: palette[2], ys: rss}}},
		{title: "DATA_DIR (MiB)", lines: []series{{name: "all files", color: palette[3], ys: total}}},
		{title: "write-ahead logs (MiB)", lines: walLines},
	}
	height := len(panels)*(panelHeight+marginTop+marginBelow) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", plotWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14">%s</text>`+"\n", marginLeft,
		html.EscapeString(fmt.Sprintf("soak: %d clients, %s, %s", r.Concurrency, r.Duration, r.Machine)))
	for i, p := range panels {
		top := 40 + i*(panelHeight+marginTop+marginBelow) + marginTop
		drawPanel(&b, p, xs, top)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func drawPanel(b *strings.Builder, p panel, xs []float64, top int) {
	left, right := marginLeft, plotWidth-marginRight
	bottom := top + panelHeight
	xMax := 0.0
	for _, x := range xs {
		xMax = max(xMax, x)
	}
	yMax := 0.0
	for _, s := range p.lines {
		for _, y := range s.ys {
			yMax = max(yMax, y)
		}
	}
	yMax = niceCeil(yMax)
	if xMax == 0 {
		xMax = 1
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", left, top-8, html.EscapeString(p.title))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", left, top, right-left, panelHeight)
	px := func(x float64) float64 { return float64(left) + x/xMax*float64(right-left) }
	py := func(y float64) float64 { return float64(bottom) - y/yMax*float64(panelHeight) }
	for i := 0; i <= 4; i++ {
		y := yMax * float64(i) / 4
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", left, right, py(y), py(y))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, py(y)+4, formatTick(y))
	}
	step := niceCeil(xMax / 6)
	for x := 0.0; x <= xMax+1e-9; x += step {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px(x), bottom+16, formatTick(x))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="#666">minutes</text>`+"\n", (left+right)/2, bottom+32)
	for i, s := range p.lines {
		var pts []string
		for j, y := range s.ys {
			if j < len(xs) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(xs[j]), py(y)))
			}
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", s.color, strings.Join(pts, " "))
		ly := top + 14 + i*16
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", right+10, right+28, ly-4, ly-4, s.color)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", right+32, ly, html.EscapeString(s.name))
	}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func formatTick(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}
