package lab

import (
	"context"
	"fmt"
	"strings"

	"gonum.org/v1/plot"

	"github.com/bgdlab/bgdlab/pkg/bench"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/plots"
)

// StepTimes times one full-batch GD step (forward, backward, update,
// float32; bench.FullStep, the fastest of 3 after a first call that
// compiles) of softmax regression ("softmax") and an MLP with 256 hidden
// units ("mlp") on the first n Fashion-MNIST training images, for each n of
// sizes, on each backend configuration that opens here (bench.Backends;
// the others are printed as not available). Each timing is printed as it
// comes; Result.Backend is the configuration's name.
func StepTimes(sizes []int, backends ...string) []bench.Result {
	names, bs, skipped := bench.Backends(backends...)
	for _, s := range skipped {
		fmt.Println("not available:", s)
	}
	all := Must(bench.LoadTrain(sizes[len(sizes)-1], ""))
	var out []bench.Result
	for i, b := range bs {
		for _, c := range []bench.Case{{Name: "softmax", Model: models.Softmax{}}, {Name: "mlp", Model: models.MLP{Hidden: []int{256}}}} {
			for _, n := range sizes {
				c.N = n
				r := Must(bench.FullStep(context.Background(), b, c, Must(bench.CaseData(c, all)), bench.Options{Repeats: 3}))
				r.Backend = names[i]
				fmt.Printf("%-8s %-8s n=%6d: %8.2f ms per step (min of 3), %6.1f GFLOP/s; first call %8.1f ms\n", r.Backend, c.Name, n, r.Min.Seconds()*1e3, r.GFLOPs, r.First.Seconds()*1e3)
				out = append(out, r)
			}
		}
		b.Finalize()
	}
	return out
}

// FindStep is the timing of backend and case at n (the zero Result when
// there is none).
func FindStep(rs []bench.Result, backend, cs string, n int) bench.Result {
	for _, r := range rs {
		if r.Backend == backend && r.Case == cs && r.N == n {
			return r
		}
	}
	return bench.Result{}
}

// StepTimeFigure plots seconds per step against examples, one line per
// backend and case (log-log).
func StepTimeFigure(rs []bench.Result) *plot.Plot {
	var sets []plots.XY
	for _, r := range rs {
		name := r.Backend + " " + r.Case
		if len(sets) == 0 || sets[len(sets)-1].Name != name {
			sets = append(sets, plots.XY{Name: name})
		}
		s := &sets[len(sets)-1]
		s.X, s.Y = append(s.X, float64(r.N)), append(s.Y, r.Min.Seconds())
	}
	return plots.Tradeoff("Time per full-batch step against examples (float32)", "examples in the full batch", "seconds per step (min of 3)", sets...)
}

// CompileCost is the first call's extra time over a step at size n
// (compiling the graph and the first transfer), per backend and case: a
// table and a bar chart.
func CompileCost(rs []bench.Result, n int) (string, *plot.Plot) {
	var sb strings.Builder
	var labels []string
	var secs []float64
	for _, r := range rs {
		if r.N != n {
			continue
		}
		c := (r.First - r.Min).Seconds()
		fmt.Fprintf(&sb, "%-8s %-8s n=%d: compile + first transfer ≈ %.3f s, one step %.3f s: %.1f steps' worth\n", r.Backend, r.Case, n, c, r.Min.Seconds(), c/r.Min.Seconds())
		labels, secs = append(labels, r.Backend+" "+r.Case), append(secs, c)
	}
	return sb.String(), Must(plots.Bars(fmt.Sprintf("Compile + first transfer, n = %d (seconds)", n), "seconds", labels, secs, nil, nil))
}
