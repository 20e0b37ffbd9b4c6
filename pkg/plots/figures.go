package plots

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"github.com/bgdlab/bgdlab/pkg/stats"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Band is a mean curve with a shaded band (e.g. a 95% CI across seeds).
type Band struct {
	Name            string
	X, Mean, Lo, Hi []float64
	Color           color.Color
}

// MeanBand averages runs that share x positions (row i of every run at
// xs[i]) and returns the mean with a ±t·s/√n band (95% CI; t from Student's
// table for n ≤ 30, else 1.96); NaN values are skipped per position.
func MeanBand(name string, x []float64, runs [][]float64) Band {
	b := Band{Name: name, X: x}
	for i := range x {
		var vals []float64
		for _, r := range runs {
			if i < len(r) && !math.IsNaN(r[i]) && !math.IsInf(r[i], 0) {
				vals = append(vals, r[i])
			}
		}
		mean, half := meanCI(vals)
		b.Mean = append(b.Mean, mean)
		b.Lo = append(b.Lo, mean-half)
		b.Hi = append(b.Hi, mean+half)
	}
	return b
}

// meanCI returns the mean of v and its 95% half-width (0 for one value, so a
// single seed draws a line without a band).
func meanCI(v []float64) (float64, float64) {
	s := stats.Summarize(v)
	if s.N < 2 {
		return s.Mean, 0
	}
	return s.Mean, s.CI95
}

// Clamp limits the band to [lo, hi] (e.g. [0, 1] for accuracies, where a
// t-interval from few seeds can overshoot).
func (b Band) Clamp(lo, hi float64) Band {
	c := b
	c.Lo, c.Hi = append([]float64(nil), b.Lo...), append([]float64(nil), b.Hi...)
	for i := range c.Lo {
		c.Lo[i] = math.Max(lo, math.Min(hi, c.Lo[i]))
		c.Hi[i] = math.Max(lo, math.Min(hi, c.Hi[i]))
	}
	return c
}

// Bands draws mean curves with shaded bands; logY puts the y axis on a log
// scale (non-positive values are left out). Predictions can be added as
// dashed Series (e.g. theory overlays).
func Bands(title, xLabel, yLabel string, logY bool, bands []Band, extra ...Series) *plot.Plot {
	var series []Series
	for _, b := range bands {
		series = append(series, Series{Name: b.Name, X: b.X, Y: b.Mean, Color: b.Color})
	}
	p := Curves(title, xLabel, yLabel, logY, append(series, extra...)...)
	for _, b := range bands {
		c := b.Color
		if c == nil {
			c = ColorFor(b.Name)
		}
		var upper, lower plotter.XYs
		for i := range b.X {
			lo, hi := b.Lo[i], b.Hi[i]
			if logY && lo <= 0 {
				lo = b.Mean[i] / 10
			}
			if bad(b.X[i]) || bad(lo) || bad(hi) || (logY && (hi <= 0 || lo <= 0)) || hi == lo {
				continue
			}
			upper = append(upper, plotter.XY{X: b.X[i], Y: hi})
			lower = append(lower, plotter.XY{X: b.X[i], Y: lo})
		}
		if len(upper) < 2 {
			continue
		}
		ring := append(plotter.XYs{}, upper...)
		for i := len(lower) - 1; i >= 0; i-- {
			ring = append(ring, lower[i])
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			continue
		}
		r, g, bl, _ := c.RGBA()
		poly.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 50}
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	fixLogRanges(p)
	return p
}

func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// LRPoint is one (optimizer, learning rate) result for a sensitivity plot.
type LRPoint struct {
	Optimizer string
	LR, Value float64
	Diverged  bool
	// Color overrides ColorFor(Optimizer) when non-nil (the first non-nil
	// colour of an optimizer's points is used).
	Color color.Color
}

// LRSensitivity plots a final value against the learning rate (log x), one
// line per optimizer; diverged runs (or non-finite values) are marked with a
// cross at the top edge so they are visible rather than dropped.
func LRSensitivity(title, yLabel string, logY bool, pts []LRPoint) *plot.Plot {
	byOpt := map[string][]LRPoint{}
	var order []string
	for _, p := range pts {
		if _, ok := byOpt[p.Optimizer]; !ok {
			order = append(order, p.Optimizer)
		}
		byOpt[p.Optimizer] = append(byOpt[p.Optimizer], p)
	}
	var series []Series
	top := math.Inf(-1)
	for _, o := range order {
		ps := byOpt[o]
		sort.Slice(ps, func(i, j int) bool { return ps[i].LR < ps[j].LR })
		var s Series
		s.Name = o
		for _, p := range ps {
			if s.Color == nil {
				s.Color = p.Color
			}
			if p.Diverged || bad(p.Value) {
				continue
			}
			s.X = append(s.X, p.LR)
			s.Y = append(s.Y, p.Value)
			if !logY || p.Value > 0 {
				top = math.Max(top, p.Value)
			}
		}
		series = append(series, s)
	}
	p := Curves(title, "learning rate (log scale)", yLabel, logY, series...)
	logX(p)
	if math.IsInf(top, -1) {
		top = 1
	}
	var div plotter.XYs
	for _, pt := range pts {
		if (pt.Diverged || bad(pt.Value)) && pt.LR > 0 {
			div = append(div, plotter.XY{X: pt.LR, Y: top})
		}
	}
	if len(div) > 0 {
		sc, err := plotter.NewScatter(div)
		if err == nil {
			sc.GlyphStyle.Shape = draw.CrossGlyph{}
			sc.GlyphStyle.Radius = vg.Points(5)
			sc.GlyphStyle.Color = color.Black
			p.Add(sc)
			p.Legend.Add("diverged (plotted at the top)", sc)
		}
	}
	fixLogRanges(p)
	return p
}

// Trajectory is a path of an optimizer on a 2-D function.
type Trajectory struct {
	Name string
	X, Y []float64
}

// Contour draws level sets of f over [xmin,xmax]×[ymin,ymax] (log-spaced
// levels for functions spanning decades), optimizer trajectories with their
// start (circle) and end (square), and known minima (stars).
func Contour(title string, f func(x, y float64) float64, xmin, xmax, ymin, ymax float64, minima [][2]float64, trajs []Trajectory) *plot.Plot {
	p := newPlot(title, "x", "y")
	const n = 120
	grid := &fnGrid{f: f, xmin: xmin, xmax: xmax, ymin: ymin, ymax: ymax, n: n}
	grid.fill()
	lo, hi := grid.minMax()
	var levels []float64
	if !bad(lo) && !bad(hi) && hi > lo {
		shift := 0.0
		if lo <= 0 {
			shift = -lo + 1e-3*(hi-lo)
		}
		a, b := math.Log(lo+shift), math.Log(hi+shift)
		for i := 1; i <= 14; i++ {
			levels = append(levels, math.Exp(a+(b-a)*float64(i)/15)-shift)
		}
		p.Add(&levelSets{grid: grid, levels: levels, colors: palette.Heat(len(levels), 1).Colors()})
	}
	for i, t := range trajs {
		col := Palette[i%len(Palette)]
		pts := finitePoints(t.X, t.Y, false)
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(clip(pts, xmin, xmax, ymin, ymax))
		if err != nil {
			continue
		}
		l.Color, l.Width = col, vg.Points(1.6)
		p.Add(l)
		p.Legend.Add(t.Name, l)
		start, _ := plotter.NewScatter(pts[:1])
		start.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		end, _ := plotter.NewScatter(clip(pts[len(pts)-1:], xmin, xmax, ymin, ymax))
		end.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3.5), Shape: draw.BoxGlyph{}}
		p.Add(start, end)
	}
	if len(minima) > 0 {
		var m plotter.XYs
		for _, mm := range minima {
			m = append(m, plotter.XY{X: mm[0], Y: mm[1]})
		}
		sc, _ := plotter.NewScatter(m)
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(5), Shape: draw.PlusGlyph{}}
		p.Add(sc)
		p.Legend.Add("known minima", sc)
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax
	return p
}

// clip keeps points inside the window (diverging trajectories leave it).
func clip(pts plotter.XYs, xmin, xmax, ymin, ymax float64) plotter.XYs {
	var out plotter.XYs
	for _, p := range pts {
		out = append(out, plotter.XY{X: math.Max(xmin, math.Min(xmax, p.X)), Y: math.Max(ymin, math.Min(ymax, p.Y))})
	}
	return out
}

type fnGrid struct {
	f                      func(x, y float64) float64
	xmin, xmax, ymin, ymax float64
	n                      int
	z                      *mat.Dense
}

func (g *fnGrid) fill() {
	g.z = mat.NewDense(g.n, g.n, nil)
	for r := 0; r < g.n; r++ {
		for c := 0; c < g.n; c++ {
			g.z.Set(r, c, g.f(g.X(c), g.Y(r)))
		}
	}
}

func (g *fnGrid) minMax() (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for r := 0; r < g.n; r++ {
		for c := 0; c < g.n; c++ {
			v := g.z.At(r, c)
			if !bad(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return lo, hi
}

func (g *fnGrid) Dims() (int, int)   { return g.n, g.n }
func (g *fnGrid) Z(c, r int) float64 { return g.z.At(r, c) }
func (g *fnGrid) X(c int) float64    { return g.xmin + (g.xmax-g.xmin)*float64(c)/float64(g.n-1) }
func (g *fnGrid) Y(r int) float64    { return g.ymin + (g.ymax-g.ymin)*float64(r)/float64(g.n-1) }

// LayerNorms plots per-layer gradient norms over training (log y), layers
// coloured from the input (light) to the output (dark): vanishing gradients
// show as early layers far below late ones.
func LayerNorms(title string, steps []float64, layers []string, norms [][]float64) *plot.Plot {
	var series []Series
	for i, l := range layers {
		var ys []float64
		for _, row := range norms {
			v := math.NaN()
			if i < len(row) {
				v = row[i]
			}
			ys = append(ys, v)
		}
		t := 0.0
		if len(layers) > 1 {
			t = float64(i) / float64(len(layers)-1)
		}
		series = append(series, Series{Name: l, X: steps, Y: ys, Color: color.RGBA{uint8(200 - 170*t), uint8(220 - 180*t), uint8(255 - 100*t), 255}})
	}
	p := Curves(title, "step", "gradient norm per layer (log scale)", true, series...)
	if len(layers) > 8 {
		// Keep the legend readable: first and last layers only.
		p.Legend = plot.NewLegend()
		p.Legend.Top = true
		for _, i := range []int{0, len(layers) - 1} {
			l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 1}})
			l.Color = series[i].Color
			p.Legend.Add(fmt.Sprintf("%s (%s)", layers[i], map[int]string{0: "input side"}[i]+map[bool]string{true: "output side"}[i > 0]), l)
		}
	}
	return p
}

// XY is a labelled scatter/line point set for log-log trade-off plots.
type XY struct {
	Name string
	X, Y []float64
}

// Tradeoff draws lines with point markers on log-log axes (e.g. time to
// target against batch size).
func Tradeoff(title, xLabel, yLabel string, sets ...XY) *plot.Plot {
	var series []Series
	for _, s := range sets {
		series = append(series, Series{Name: s.Name, X: s.X, Y: s.Y})
	}
	p := Curves(title, xLabel, yLabel, true, series...)
	logX(p)
	for _, s := range sets {
		pts := finitePoints(s.X, s.Y, true)
		var pos plotter.XYs
		for _, pt := range pts {
			if pt.X > 0 {
				pos = append(pos, pt)
			}
		}
		if len(pos) == 0 {
			continue
		}
		sc, _ := plotter.NewScatter(pos)
		sc.GlyphStyle = draw.GlyphStyle{Color: ColorFor(s.Name), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		p.Add(sc)
	}
	fixLogRanges(p)
	return p
}

// fixLogRanges widens degenerate ranges on log axes (gonum/plot pads a
// single value by ±1, which can cross zero) and makes them positive.
func fixLogRanges(p *plot.Plot) {
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		if _, ok := ax.Scale.(plot.LogScale); !ok {
			continue
		}
		if ax.Max <= 0 || bad(ax.Max) {
			ax.Min, ax.Max = 1e-4, 1
		}
		if ax.Min <= 0 || bad(ax.Min) || ax.Min >= ax.Max {
			ax.Min = ax.Max / 100
			if ax.Min == ax.Max {
				ax.Max *= 10
			}
		}
	}
}

// logX switches the x axis to a log scale, with a positive range when the
// plot has no positive x data.
func logX(p *plot.Plot) {
	if !(p.X.Min > 0) || !(p.X.Max > p.X.Min) {
		p.X.Min, p.X.Max = 1e-4, 1
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = decadeTicks{}
}

// levelSets draws contour lines by marching squares, scanning the grid in a
// fixed order so the output is deterministic (gonum's plotter.Contour
// assembles paths through map iteration and is not).
type levelSets struct {
	grid   *fnGrid
	levels []float64
	colors []color.Color
}

// Plot implements plot.Plotter.
func (l *levelSets) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	g := l.grid
	nx, ny := g.Dims()
	for li, level := range l.levels {
		sty := draw.LineStyle{Color: l.colors[li%len(l.colors)], Width: vg.Points(0.7)}
		for r := 0; r+1 < ny; r++ {
			for cc := 0; cc+1 < nx; cc++ {
				// Corners: (x0,y0) (x1,y0) (x1,y1) (x0,y1).
				xs := [4]float64{g.X(cc), g.X(cc + 1), g.X(cc + 1), g.X(cc)}
				ys := [4]float64{g.Y(r), g.Y(r), g.Y(r + 1), g.Y(r + 1)}
				zs := [4]float64{g.Z(cc, r), g.Z(cc+1, r), g.Z(cc+1, r+1), g.Z(cc, r+1)}
				var pts []vg.Point
				for e := 0; e < 4; e++ {
					a, b := e, (e+1)%4
					za, zb := zs[a], zs[b]
					if bad(za) || bad(zb) || (za < level) == (zb < level) {
						continue
					}
					t := (level - za) / (zb - za)
					pts = append(pts, vg.Point{X: trX(xs[a] + t*(xs[b]-xs[a])), Y: trY(ys[a] + t*(ys[b]-ys[a]))})
				}
				for i := 0; i+1 < len(pts); i += 2 {
					c.StrokeLine2(sty, pts[i].X, pts[i].Y, pts[i+1].X, pts[i+1].Y)
				}
			}
		}
	}
}

// DataRange implements plot.DataRanger.
func (l *levelSets) DataRange() (xmin, xmax, ymin, ymax float64) {
	return l.grid.xmin, l.grid.xmax, l.grid.ymin, l.grid.ymax
}
