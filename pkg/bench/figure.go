package bench

import (
	"fmt"
	"image/color"
	"math"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Ratio is one bar of the bench figure: a backend's full-batch step time
// for a case divided by a peer's, both measured in the same bench run.
type Ratio struct {
	Backend, Case, Peer string
	Value               float64
}

// Ratios lists, for each peer, backend and case in results' order, the
// full-step ratio (min over repeats, bgdlab ÷ peer); cases a peer did not
// time are left out.
func Ratios(results []Result, peers []*Peer) []Ratio {
	var out []Ratio
	for _, p := range peers {
		for _, r := range results {
			if r.Kind != "full-step" {
				continue
			}
			if pm := p.Min(r.Case, r.Kind); pm > 0 && !math.IsNaN(pm) {
				out = append(out, Ratio{r.Backend, r.Case, p.Name, r.Min.Seconds() / pm})
			}
		}
	}
	return out
}

// Figure draws Ratios as bars, one colour per backend, with a line at 1
// (parity) and the CPU in the title: the figure the README's performance
// table comes from.
func Figure(ratios []Ratio, cpu backend.CPU) (*plot.Plot, error) {
	names := make([]string, len(ratios))
	values := make([]float64, len(ratios))
	colors := make([]color.Color, len(ratios))
	for i, r := range ratios {
		names[i] = fmt.Sprintf("%s\n%s÷%s", r.Case, r.Backend, r.Peer)
		values[i] = r.Value
		colors[i] = plots.ColorFor(r.Backend)
	}
	title := fmt.Sprintf("full-batch step time ÷ peer's (lower is faster)\n%s, %d cores, %s", cpu.Model, cpu.Cores, cpu.Flags())
	p, err := plots.Bars(title, "time ratio", names, values, nil, colors)
	if err != nil {
		return nil, err
	}
	if len(ratios) > 0 {
		parity, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 1}, {X: float64(len(ratios)) - 0.5, Y: 1}})
		if err != nil {
			return nil, err
		}
		parity.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(parity)
	}
	return p, nil
}
