package plots_test

import (
	"bytes"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/plots"
	"gonum.org/v1/plot"
)

var nan = math.NaN()

// figureCases renders every figure for normal, empty, single-point and
// NaN-containing inputs.
func figureCases() map[string]func() *plot.Plot {
	type input struct {
		x, y []float64
	}
	inputs := map[string]input{
		"normal": {[]float64{0, 1, 2, 3, 4}, []float64{10, 3, 1, 0.3, 0.1}},
		"empty":  {nil, nil},
		"single": {[]float64{1}, []float64{2}},
		"nan":    {[]float64{0, 1, 2, 3}, []float64{1, nan, math.Inf(1), 0.5}},
	}
	out := map[string]func() *plot.Plot{}
	for name, in := range inputs {
		in := in
		out["curves/"+name] = func() *plot.Plot {
			return plots.Curves("t", "x", "y", true, plots.Series{Name: "gd", X: in.x, Y: in.y}, plots.Series{Name: "pred", X: in.x, Y: in.y, Dashed: true})
		}
		out["bands/"+name] = func() *plot.Plot {
			b := plots.MeanBand("adam", in.x, [][]float64{in.y, in.y, append([]float64(nil), in.y...)})
			return plots.Bands("t", "x", "y", true, []plots.Band{b})
		}
		out["lr/"+name] = func() *plot.Plot {
			var pts []plots.LRPoint
			for i := range in.x {
				pts = append(pts, plots.LRPoint{Optimizer: "gd", LR: math.Pow(10, -in.x[i]), Value: in.y[i], Diverged: i == 0})
			}
			return plots.LRSensitivity("t", "loss", true, pts)
		}
		out["tradeoff/"+name] = func() *plot.Plot {
			xs := make([]float64, len(in.x))
			for i := range xs {
				xs[i] = math.Pow(2, in.x[i])
			}
			return plots.Tradeoff("t", "batch", "seconds", plots.XY{Name: "time", X: xs, Y: in.y})
		}
		out["layers/"+name] = func() *plot.Plot {
			var rows [][]float64
			for _, v := range in.y {
				rows = append(rows, []float64{v, v * 2, v * 3})
			}
			return plots.LayerNorms("t", in.x, []string{"a", "b", "c"}, rows)
		}
		out["contour/"+name] = func() *plot.Plot {
			return plots.Contour("t", func(x, y float64) float64 { return x*x + 10*y*y }, -2, 2, -1, 1, [][2]float64{{0, 0}},
				[]plots.Trajectory{{Name: "gd", X: in.x, Y: in.y}})
		}
		out["bars/"+name] = func() *plot.Plot {
			var names []string
			var colors []color.Color
			for range in.y {
				names = append(names, "n")
				colors = append(colors, plots.ColorFor("adam"))
			}
			p, err := plots.Bars("t", "acc", names, in.y, in.y, colors)
			if err != nil {
				panic(err)
			}
			return p
		}
	}
	return out
}

func TestFiguresRenderAndAreDeterministic(t *testing.T) {
	for name, mk := range figureCases() {
		t.Run(name, func(t *testing.T) {
			a, err := plots.SVG(mk())
			if err != nil {
				t.Fatal(err)
			}
			b, err := plots.SVG(mk())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatal("SVG output differs between two renderings of the same input")
			}
			if _, err := plots.PNG(mk()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBarsRejectsMismatchedLengths(t *testing.T) {
	_, err := plots.Bars("t", "acc", []string{"a", "b"}, []float64{1, 2}, nil, []color.Color{plots.Palette[0]})
	if err == nil || !strings.Contains(err.Error(), "1 colours") {
		t.Fatalf("err = %v, want a message naming the colour count", err)
	}
}

func TestSaveFormats(t *testing.T) {
	dir := t.TempDir()
	p := plots.Curves("t", "x", "y", false, plots.Series{Name: "gd", X: []float64{0, 1}, Y: []float64{1, 0}})
	for _, ext := range []string{"png", "svg", "pdf"} {
		if err := plots.Save(p, filepath.Join(dir, "f."+ext)); err != nil {
			t.Errorf("%s: %v", ext, err)
		}
	}
	if err := plots.Save(p, filepath.Join(dir, "f.gif")); err == nil {
		t.Error("unknown extension accepted")
	}
}

func TestMeanBand(t *testing.T) {
	b := plots.MeanBand("x", []float64{0, 1}, [][]float64{{1, 2}, {3, nan}})
	if b.Mean[0] != 2 || b.Mean[1] != 2 || b.Hi[1] != 2 {
		t.Fatalf("%+v", b)
	}
	// Two values 1, 3: s = √2, half = t₀.₉₇₅(1)·√2/√2, and t with one degree
	// of freedom is Cauchy: its 0.975 quantile is tan(0.475π) ≈ 12.706.
	if math.Abs(b.Hi[0]-2-math.Tan(0.475*math.Pi)) > 1e-9 {
		t.Fatalf("CI half-width %g", b.Hi[0]-2)
	}
}

// TestConfusionAndImages renders both picture figures and refuses shapes
// that do not match.
func TestConfusionAndImages(t *testing.T) {
	names := []string{"a", "b", "c"}
	if _, err := plots.Confusion("c", names, [][]int{{1, 2}, {3, 4}}); err == nil {
		t.Error("Confusion accepted 2 rows for 3 classes")
	}
	p, err := plots.Confusion("c", names, [][]int{{5, 1, 0}, {0, 6, 0}, {2, 0, 4}})
	if err != nil {
		t.Fatal(err)
	}
	if png, err := plots.PNG(p); err != nil || len(png) < 1000 {
		t.Fatalf("confusion PNG: %d bytes, %v", len(png), err)
	}
	pic := make([]float64, 16)
	for i := range pic {
		pic[i] = float64(i)
	}
	if _, err := plots.Images("i", [][]float64{pic, pic[:15]}, 4, 4, 2, nil); err == nil {
		t.Error("Images accepted a picture of the wrong size")
	}
	p, err = plots.Images("i", [][]float64{pic, pic, pic}, 4, 4, 2, []string{"x", "y", "z"})
	if err != nil {
		t.Fatal(err)
	}
	if png, err := plots.PNG(p); err != nil || len(png) < 1000 {
		t.Fatalf("images PNG: %d bytes, %v", len(png), err)
	}
}
