package main

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

const (
	scalePanelHeight = 300
	scaleMarginRight = 190 // the legend
)

// scalePalette has a colour for each of scale's kinds.
var scalePalette = append(append([]string(nil), palette...), "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

// plotScale draws the curve of each viewer as an SVG image: customers on
// a log axis, each kind's p99 on a log axis, the target dashed.
func plotScale(r ScaleReport) string {
	viewers := r.viewers()
	height := 40 + max(1, len(viewers))*(scalePanelHeight+marginTop+marginBelow)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", plotWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14">%s</text>`+"\n", marginLeft, html.EscapeString(fmt.Sprintf(
		"p99 of one client's reads by customers: %d parent(s), %s read model, %s", r.Parents, strings.Fields(r.ReadModel + " ?")[0], r.Machine)))
	rows := scaleRows(r)
	for i, v := range viewers {
		top := 40 + i*(scalePanelHeight+marginTop+marginBelow) + marginTop
		var lines []series
		var xs []float64
		for _, n := range r.sizes() {
			xs = append(xs, float64(n))
		}
		for k, kind := range scaleKinds {
			for _, row := range rows {
				if row.viewer != v || row.kind != kind {
					continue
				}
				ys := make([]float64, len(row.byStep))
				for j, res := range row.byStep {
					ys[j] = math.NaN()
					if res != nil && res.OK > 0 {
						ys[j] = res.LatencyMs.P99
					}
				}
				lines = append(lines, series{name: scaleKindLabels[kind], color: scalePalette[k%len(scalePalette)], ys: ys})
			}
		}
		who := "the parent's reads (it sees every customer)"
		switch {
		case v == "owner":
			who = "the owner's reads (it sees every customer)"
		case r.Parents > 1:
			who = fmt.Sprintf("one parent's reads (it sees 1/%d of the customers)", r.Parents)
		}
		title := who + ": p99 ms (log) by customers (log)"
		drawLogPanel(&b, panel{title: title, lines: lines}, xs, top, r.TargetP99Ms)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// logRange is the decades [lo, hi] that hold every positive value of vs.
func logRange(vs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if v > 0 && !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return 1, 10
	}
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}

// drawLogPanel draws lines over xs with both axes logarithmic, and a
// dashed line at target.
func drawLogPanel(b *strings.Builder, p panel, xs []float64, top int, target float64) {
	left, right := marginLeft, plotWidth-scaleMarginRight
	bottom := top + scalePanelHeight
	all := []float64{target}
	for _, s := range p.lines {
		all = append(all, s.ys...)
	}
	yLo, yHi := logRange(all)
	// The sizes span the x axis, with a margin of a quarter either side.
	xLo, xHi := 1.0, 10.0
	if len(xs) > 0 {
		xLo, xHi = slices.Min(xs)/1.25, slices.Max(xs)*1.25
	}
	pos := func(v, lo, hi float64, from, to float64) float64 {
		return from + (math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*(to-from)
	}
	px := func(x float64) float64 { return pos(x, xLo, xHi, float64(left), float64(right)) }
	py := func(y float64) float64 { return pos(y, yLo, yHi, float64(bottom), float64(top)) }
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", left, top-8, html.EscapeString(p.title))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", left, top, right-left, scalePanelHeight)
	for y := yLo; y <= yHi*1.0001; y *= 10 {
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", left, right, py(y), py(y))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, py(y)+4, formatTick(y))
	}
	for _, x := range xs {
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#eee"/>`+"\n", px(x), px(x), top, bottom)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px(x), bottom+16, thousands(int(x)))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="#666">customers in the read model</text>`+"\n", (left+right)/2, bottom+32)
	fmt.Fprintf(b, `<line class="target" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#000" stroke-dasharray="6,4"/>`+"\n", left, right, py(target), py(target))
	fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" fill="#000">target %s ms</text>`+"\n", right-4, py(target)-4, formatTick(target))
	for i, s := range p.lines {
		var pts []string
		for j, y := range s.ys {
			if j < len(xs) && y > 0 && !math.IsNaN(y) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(xs[j]), py(y)))
			}
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", s.color, strings.Join(pts, " "))
		for _, pt := range pts {
			x, y, _ := strings.Cut(pt, ",")
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`+"\n", x, y, s.color)
		}
		ly := top + 14 + i*16
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", right+10, right+28, ly-4, ly-4, s.color)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", right+32, ly, html.EscapeString(s.name))
	}
}
