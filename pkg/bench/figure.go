package bench

import (
	"fmt"
	"image/color"
	"math"
	"strings"

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

// Figure draws the ratios to one peer as bars, one colour per backend,
// with a dashed line at 1 (parity) and the CPU in the title: the figures the
// performance table of docs/performance.md comes from (one per peer).
func Figure(ratios []Ratio, peer string, cpu backend.CPU) (*plot.Plot, error) {
	var names []string
	var values []float64
	var colors []color.Color
	for _, r := range ratios {
		if r.Peer != peer {
			continue
		}
		names = append(names, r.Case+"\n"+strings.TrimSuffix(r.Backend, ":cpu"))
		values = append(values, r.Value)
		colors = append(colors, plots.ColorFor(r.Backend))
	}
	title := fmt.Sprintf("full-batch step time ÷ %s's (lower is faster)\n%s, %d cores, %s", peer, cpu.Model, cpu.Cores, cpu.Flags())
	p, err := plots.Bars(title, "time ratio", names, values, nil, colors)
	if err != nil {
		return nil, err
	}
	if len(values) > 0 {
		parity, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 1}, {X: float64(len(values)) - 0.5, Y: 1}})
		if err != nil {
			return nil, err
		}
		parity.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(parity)
	}
	return p, nil
}
