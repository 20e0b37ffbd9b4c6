package studies

import (
	"math"
	"sort"
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
