// Package plots draws bgdlab's figures with gonum/plot: one function per
// figure, from values (not files) to a *plot.Plot, with a fixed colour per
// optimizer and helpers to save PNG/SVG and to show PNGs inline in GoNB.
package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bgdlab/bgdlab/internal/atomicfile"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Palette is the Okabe–Ito colour-blind-safe palette.
var Palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{240, 228, 66, 255},  // yellow
	color.RGBA{0, 0, 0, 255},       // black
}

// methodOrder fixes one colour per optimizer name across every figure.
var methodOrder = []string{"gd", "momentum", "nesterov", "adam", "sgd", "rmsprop", "adagrad", "lbfgs"}

// ColorFor returns the fixed colour of an optimizer (or series) name: known
// optimizers get their own colour, other names a stable colour from a hash.
func ColorFor(name string) color.Color {
	base := strings.SplitN(strings.ToLower(name), ":", 2)[0]
	for i, m := range methodOrder {
		if base == m {
			return Palette[i%len(Palette)]
		}
	}
	var h uint32 = 2166136261
	for _, c := range base {
		h = (h ^ uint32(c)) * 16777619
	}
	return Palette[int(h%uint32(len(Palette)))]
}

// Series is one named curve.
type Series struct {
	Name string
	X, Y []float64
	// Color overrides ColorFor(Name) when non-nil.
	Color color.Color
	// Dashed draws the line dashed (for predictions and references).
	Dashed bool
}

// newPlot returns a plot with bgdlab's fonts and legend placement.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = font.Length(13)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Label.TextStyle.Font.Size = font.Length(12)
	p.Y.Label.TextStyle.Font.Size = font.Length(12)
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = font.Length(11)
	p.Add(plotter.NewGrid())
	return p
}

// finitePoints keeps the (x, y) pairs where both are finite (and y > 0 when
// logY), so NaN from diverged runs never breaks a figure.
func finitePoints(xs, ys []float64, logY bool) plotter.XYs {
	var pts plotter.XYs
	for i := range ys {
		if i >= len(xs) {
			break
		}
		x, y := xs[i], ys[i]
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) || (logY && y <= 0) {
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
	}
	return pts
}

// Curves draws several series as lines; logY uses a log-10 y axis (points
// with y ≤ 0 are then left out). Empty or all-NaN series are listed in the
// legend as "(no finite data)".
func Curves(title, xLabel, yLabel string, logY bool, series ...Series) *plot.Plot {
	p := newPlot(title, xLabel, yLabel)
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
	}
	any := false
	for _, s := range series {
		pts := finitePoints(s.X, s.Y, logY)
		c := s.Color
		if c == nil {
			c = ColorFor(s.Name)
		}
		if len(pts) == 0 {
			l, _ := plotter.NewLine(plotter.XYs{})
			l.Color = c
			p.Legend.Add(s.Name+" (no finite data)", l)
			continue
		}
		any = true
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		l.Color = c
		l.Width = vg.Points(1.8)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	if !any {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 1, 10
		if !logY {
			p.Y.Min = 0
		}
	}
	fixLogRanges(p)
	return p
}

// Bars draws a bar chart of values with symmetric error bars (errs may be
// nil). colors, when given, sets each bar's colour (use ColorFor so that an
// optimizer keeps its colour across figures); otherwise all bars use
// Palette[0].
func Bars(title, yLabel string, names []string, values, errs []float64, colors []color.Color) (*plot.Plot, error) {
	p := newPlot(title, "", yLabel)
	if len(names) != len(values) || (errs != nil && len(errs) != len(values)) || (colors != nil && len(colors) != len(values)) {
		return nil, fmt.Errorf("plots.Bars: %d names, %d values, %d errors, %d colours", len(names), len(values), len(errs), len(colors))
	}
	if len(values) == 0 {
		return p, nil
	}
	vals := make(plotter.Values, len(values))
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		vals[i] = v
	}
	// One chart per bar, so that each can have its own colour.
	for i, v := range vals {
		bar, err := plotter.NewBarChart(plotter.Values{v}, vg.Points(28))
		if err != nil {
			return nil, err
		}
		bar.XMin = float64(i)
		bar.Color = Palette[0]
		if colors != nil {
			bar.Color = colors[i]
		}
		p.Add(bar)
	}
	if errs != nil {
		var pts plotter.XYs
		var yerr plotter.YErrors
		for i, v := range vals {
			e := errs[i]
			if math.IsNaN(e) || math.IsInf(e, 0) {
				e = 0
			}
			pts = append(pts, plotter.XY{X: float64(i), Y: v})
			yerr = append(yerr, struct{ Low, High float64 }{e, e})
		}
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, yerr})
		if err == nil {
			p.Add(eb)
		}
	}
	p.NominalX(names...)
	// Room for the outer bars and the error bars.
	p.X.Min, p.X.Max = -0.5, float64(len(vals))-0.5
	top := 0.0
	for i, v := range vals {
		e := 0.0
		if errs != nil && !math.IsNaN(errs[i]) && !math.IsInf(errs[i], 0) {
			e = errs[i]
		}
		top = math.Max(top, v+e)
	}
	if top > 0 {
		p.Y.Max = math.Max(p.Y.Max, 1.05*top)
	}
	return p, nil
}

// Default figure size for notebooks and the report.
const (
	Width  = 16 * vg.Centimeter
	Height = 10 * vg.Centimeter
)

// PNG renders p to PNG bytes at the default size.
func PNG(p *plot.Plot) ([]byte, error) { return render(p, "png") }

// SVG renders p to SVG bytes at the default size.
func SVG(p *plot.Plot) ([]byte, error) { return render(p, "svg") }

// render draws p with its legend in a column to the right of the plot
// area, so the legend never hides data; the canvas widens by the legend's
// width.
func render(p *plot.Plot, format string) ([]byte, error) {
	leg := p.Legend
	probe := draw.New(vgimg.New(Width, Height))
	r := leg.Rectangle(probe)
	lw := r.Max.X - r.Min.X
	width := Width
	if lw > 0 {
		width += lw + vg.Points(10)
	}
	w, err := draw.NewFormattedCanvas(width, Height, format)
	if err != nil {
		return nil, fmt.Errorf("rendering %s: %w", format, err)
	}
	dc := draw.New(w)
	if lw > 0 {
		plotArea := dc
		plotArea.Max.X = dc.Min.X + Width
		p.Legend = plot.NewLegend()
		p.Draw(plotArea)
		p.Legend = leg
		legArea := dc
		legArea.Min.X = plotArea.Max.X + vg.Points(6)
		leg.Top, leg.Left = true, true
		leg.YOffs = -vg.Points(28)
		leg.Draw(legArea)
	} else {
		p.Draw(dc)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// Save writes p to path; the format comes from the extension (.png, .svg,
// .pdf). The file is written atomically (temporary file, then rename).
func Save(p *plot.Plot, path string) error {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	switch ext {
	case "png", "svg", "pdf":
	default:
		return fmt.Errorf("plots.Save %s: unknown extension %q (use .png, .svg or .pdf)", path, ext)
	}
	data, err := render(p, ext)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}

// Show displays p inline in a GoNB notebook as a PNG (PNG outputs are saved
// in the .ipynb and embedded in nbconvert's HTML). Outside a notebook it
// does nothing.
func Show(p *plot.Plot) error {
	data, err := PNG(p)
	if err != nil {
		return err
	}
	if gonbui.IsNotebook {
		gonbui.DisplayPNG(data)
	}
	return nil
}

// ShowAndSave saves p to each path and shows it inline.
func ShowAndSave(p *plot.Plot, paths ...string) error {
	for _, path := range paths {
		if err := Save(p, path); err != nil {
			return err
		}
	}
	return Show(p)
}

// decadeTicks marks every power of ten and labels at most about eight of
// them, so axes spanning many decades stay readable.
type decadeTicks struct{}

// Ticks implements plot.Ticker.
func (decadeTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	step := 1 + (hi-lo)/8
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		v := math.Pow(10, float64(e))
		if v < min*(1-1e-9) || v > max*(1+1e-9) {
			continue
		}
		label := ""
		if (e-lo)%step == 0 {
			label = fmt.Sprintf("1e%d", e)
			if e >= -2 && e <= 3 {
				label = strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	if len(ticks) < 2 {
		return plot.LogTicks{Prec: 2}.Ticks(min, max)
	}
	return ticks
}

// Range is 0, 1, …, n−1: the x values of a per-step curve.
func Range(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

// Abs is |v| elementwise, floored at 1e-16: a signed error on a log axis.
func Abs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Max(math.Abs(x), 1e-16)
	}
	return out
}
