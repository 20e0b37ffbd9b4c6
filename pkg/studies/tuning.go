package studies

import (
	"math"
	"sort"

	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// MaxExtensions bounds how many rates TuneRate adds beyond a grid's edges.
const MaxExtensions = 3

// RateTuning is the outcome of TuneRate.
type RateTuning struct {
	// Tried are the rates tried, ascending: the grid and its extensions.
	Tried []float64
	// Best is the rate with the highest score, the first tried among equals
	// (NaN when no rate scored).
	Best float64
	// Extended counts the rates added beyond the grid's edges.
	Extended int
	// OnEdge is true when Best is still the smallest or the largest rate
	// tried: the optimum may lie outside them.
	OnEdge bool
}

// TuneRate is the protocol's learning-rate search: it scores each rate of
// the ascending, log-spaced grid (ok false: the run diverged or left no
// score) and, while the best rate is the smallest or the largest tried,
// scores ExtendRate's next rate on that side, up to MaxExtensions rates.
func TuneRate(grid []float64, score func(lr float64) (s float64, ok bool, err error)) (RateTuning, error) {
	t := RateTuning{Best: math.NaN()}
	best := math.Inf(-1)
	try := func(lr float64) error {
		s, ok, err := score(lr)
		if err != nil {
			return err
		}
		i := sort.SearchFloat64s(t.Tried, lr)
		t.Tried = append(t.Tried[:i], append([]float64{lr}, t.Tried[i:]...)...)
		if ok && s > best {
			best, t.Best = s, lr
		}
		return nil
	}
	for _, lr := range grid {
		if err := try(lr); err != nil {
			return t, err
		}
	}
	for {
		t.OnEdge = !math.IsNaN(t.Best) && len(t.Tried) > 1 && (t.Best == t.Tried[0] || t.Best == t.Tried[len(t.Tried)-1])
		if !t.OnEdge || t.Extended == MaxExtensions {
			return t, nil
		}
		t.Extended++
		if err := try(ExtendRate(t.Tried, t.Best)); err != nil {
			return t, err
		}
	}
}

// ExtendRate is the tuning protocol's next learning rate beyond the edge of
// the ascending rates tried at which best sits: the edge rate times the
// ratio of the two rates nearest that edge, rounded to 3 significant digits.
func ExtendRate(tried []float64, best float64) float64 {
	n := len(tried)
	next := tried[n-1] * tried[n-1] / tried[n-2]
	if best == tried[0] {
		next = tried[0] * tried[0] / tried[1]
	}
	v, _ := parseG3(next)
	return v
}

// The tuning protocol (after DeepOBS and AlgoPerf): rates are tuned on
// tuneSeed with TuneRate (a log grid that grows past an edge by up to
// MaxExtensions rates), and the tuned setting is rerun on reporting seeds
// that took no part in tuning; only those runs are reported.
const tuneSeed = 101

// TuneSeed is the tuning protocol's tuning seed: rates are chosen by runs
// on it, and it takes no part in what is reported.
const TuneSeed = tuneSeed

// ReportSeeds are the protocol's reporting seeds, the ones every study
// reports on: fresh seeds that took no part in tuning.
func ReportSeeds() []uint64 { return []uint64{1, 2, 3} }

// Protocol is one method after the tuning protocol without a momentum grid
// (TuneThenReport): what notebooks get from lab.Tune.
type Protocol struct {
	// LR is the tuned rate (NaN: every rate diverged or left no score);
	// Tried the rates tried on TuneSeed, ascending; OnEdge whether LR is
	// still at an edge of them after MaxExtensions rates.
	LR     float64
	Tried  []float64
	OnEdge bool
	// Tuning is TuneSeed's run at each rate tried; Reports the tuned rate's
	// runs on the reporting seeds, the only runs to report.
	Tuning  map[float64]*experiment.Result
	Reports []*experiment.Result
}

// TuneThenReport is the studies' tuning protocol (tuneThenReport) for one
// method without a momentum grid: TuneRate over grid on TuneSeed, scored by
// score (runs that diverged never win), then the tuned rate on seeds.
func TuneThenReport(grid []float64, seeds []uint64, run func(lr float64, seeds []uint64) ([]*experiment.Result, error), score func(*experiment.Result) (float64, bool)) (Protocol, error) {
	p, err := tuneThenReport(grid, nil, seeds, func(lr, _ float64, s []uint64) ([]*experiment.Result, error) { return run(lr, s) }, score)
	out := Protocol{LR: p.lr, Tried: p.tried, OnEdge: p.edge, Reports: p.runs, Tuning: map[float64]*experiment.Result{}}
	for _, tp := range p.tuning {
		out.Tuning[tp.lr] = tp.res
	}
	return out, err
}

// runKind names a protocol run's folder: "tune" for the tuning seed alone,
// "report" for reporting seeds.
func runKind(seeds []uint64) string {
	if len(seeds) == 1 && seeds[0] == tuneSeed {
		return "tune"
	}
	return "report"
}

// runAt runs one setting — learning rate lr and momentum beta (NaN: the
// method's default) — on seeds.
type runAt func(lr, beta float64, seeds []uint64) ([]*experiment.Result, error)

// tuningPoint is one run of the tuning seed.
type tuningPoint struct {
	lr, beta float64
	res      *experiment.Result
}

// protocolResult is one method after the protocol.
type protocolResult struct {
	// tried are the rates tried at the chosen beta, ascending.
	tried []float64
	// lr and beta are the tuned setting (lr NaN: every rate diverged; beta
	// NaN: not tuned).
	lr, beta float64
	// edge: the tuned rate is still at an edge after MaxExtensions rates.
	edge bool
	// tuning holds every tuning run; runs the reporting seeds' runs.
	tuning []tuningPoint
	runs   []*experiment.Result
}

// gridFor returns the learning-rate grid for momentum beta: grid (given for
// β = 0.9) times (1−β)/(1−0.9), so that the effective step lr/(1−β) spans
// the same range at every β (grid itself for NaN).
func gridFor(grid []float64, beta float64) []float64 {
	if math.IsNaN(beta) || beta == 0.9 {
		return grid
	}
	out := make([]float64, len(grid))
	for i, lr := range grid {
		out[i], _ = parseG3(lr * (1 - beta) / (1 - 0.9))
	}
	return out
}

// tuneThenReport runs the protocol: for each of betas (once with NaN when
// there are none) TuneRate over gridFor(grid, beta) on the tuning seed,
// scored by score; the best (beta, lr) over all is rerun on the reporting
// seeds.
func tuneThenReport(grid, betas []float64, seeds []uint64, run runAt, score func(*experiment.Result) (float64, bool)) (protocolResult, error) {
	p := protocolResult{lr: math.NaN(), beta: math.NaN()}
	if len(betas) == 0 {
		betas = []float64{math.NaN()}
	}
	best := math.Inf(-1)
	for _, beta := range betas {
		scores := map[float64]float64{}
		t, err := TuneRate(gridFor(grid, beta), func(lr float64) (float64, bool, error) {
			res, err := run(lr, beta, []uint64{tuneSeed})
			if err != nil {
				return 0, false, err
			}
			p.tuning = append(p.tuning, tuningPoint{lr, beta, res[0]})
			s, ok := score(res[0])
			ok = ok && res[0].Status != optim.Diverged && !math.IsNaN(s)
			if ok {
				scores[lr] = s
			}
			return s, ok, nil
		})
		if err != nil {
			return p, err
		}
		if s, ok := scores[t.Best]; ok && s > best {
			best, p.lr, p.beta, p.tried, p.edge = s, t.Best, beta, t.Tried, t.OnEdge
		} else if p.tried == nil {
			p.tried = t.Tried
		}
	}
	if math.IsNaN(p.lr) {
		return p, nil
	}
	var err error
	p.runs, err = run(p.lr, p.beta, seeds)
	return p, err
}
