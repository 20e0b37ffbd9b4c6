package studies

import (
	"fmt"
	"image/color"
	"math"

	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/stats"
)

// PerformanceProfile is the fraction of workloads on which each method's
// time is within a factor tau of the best method's on that workload
// (Dolan and Moré, 2002; AlgoPerf scores submissions this way). times[w][m]
// is method m's time on workload w, +Inf (or NaN) when it never reached the
// target; a workload no method solved counts against every method. The
// result is indexed [m][i] for taus[i].
func PerformanceProfile(times [][]float64, taus []float64) [][]float64 {
	if len(times) == 0 {
		return nil
	}
	out := make([][]float64, len(times[0]))
	for m := range out {
		out[m] = make([]float64, len(taus))
	}
	for _, w := range times {
		best := math.Inf(1)
		for _, t := range w {
			if t < best {
				best = t
			}
		}
		for m, t := range w {
			for i, tau := range taus {
				if !math.IsInf(best, 1) && t <= tau*best {
					out[m][i]++
				}
			}
		}
	}
	for m := range out {
		for i := range out[m] {
			out[m][i] /= float64(len(times))
		}
	}
	return out
}

// AlgoPerfTauMax is the largest ratio to the best time that AlgoPerf's
// score counts: a method slower than 4× the fastest on a workload has not
// reached the target there.
const AlgoPerfTauMax = 4

// AlgoPerfScore is AlgoPerf's benchmark score (Dahl et al., 2023) of each
// method: the area under its performance profile (PerformanceProfile) for
// τ from 1 to tauMax, divided by tauMax − 1 — 1 for a method fastest on
// every workload, 0 for one never within tauMax of the fastest. The profile
// is a step function, so the area is exact: a workload where the method's
// ratio to the best time is r ≤ tauMax adds (tauMax − r)/(tauMax − 1)
// divided by the number of workloads. times is as for PerformanceProfile.
func AlgoPerfScore(times [][]float64, tauMax float64) []float64 {
	if len(times) == 0 || tauMax <= 1 {
		return nil
	}
	score := make([]float64, len(times[0]))
	for _, w := range times {
		best := math.Inf(1)
		for _, t := range w {
			if t < best {
				best = t
			}
		}
		if math.IsInf(best, 1) {
			continue // no method reached this workload's target
		}
		for m, t := range w {
			if r := t / best; r <= tauMax {
				score[m] += (tauMax - r) / (tauMax - 1)
			}
		}
	}
	for m := range score {
		score[m] /= float64(len(times))
	}
	return score
}

// profileTime is a method's time on a workload for the performance profile
// and the AlgoPerf score: the mean time to target of its reporting runs
// when all runs of them reached it (ttts holds the times of those that
// did), +Inf otherwise.
func profileTime(ttts []float64, runs int) float64 {
	if len(ttts) == 0 || len(ttts) != runs {
		return math.Inf(1)
	}
	return stats.Summarize(ttts).Mean
}

// methodTime is one method's time to target on one workload (+Inf: some
// reporting seed never reached it).
type methodTime struct {
	method  string
	seconds float64
	color   color.Color
}

// profileRuns gathers the workloads' times for the performance profile.
type profileRuns struct {
	workloads []string
	methods   []string
	colors    []color.Color
	times     [][]float64 // [workload][method], NaN where a method skipped a workload
}

// add records one workload's times; methods keep their first-seen order.
func (p *profileRuns) add(workload string, ts []methodTime) {
	row := make([]float64, len(p.methods))
	for i := range row {
		row[i] = math.NaN()
	}
	for _, t := range ts {
		k := indexOf(p.methods, t.method)
		if k < 0 {
			p.methods, p.colors = append(p.methods, t.method), append(p.colors, t.color)
			for w := range p.times {
				p.times[w] = append(p.times[w], math.NaN())
			}
			row, k = append(row, math.NaN()), len(p.methods)-1
		}
		row[k] = t.seconds
	}
	p.workloads, p.times = append(p.workloads, workload), append(p.times, row)
}

// scoreTable gives each method's AlgoPerf score over the workloads at the
// epoch budget and at the equal wall-clock budget.
func scoreTable(byEpochs, bySeconds *profileRuns) Table {
	t := Table{Caption: fmt.Sprintf("AlgoPerf score (Dahl et al., 2023): the area under a method's performance profile for τ from 1 to %d, over %d — 1 when it reaches the validation target fastest on every workload (every reporting seed reaching it), 0 when it never comes within %d× the fastest. The time to target is measured at each budget's own runs.", AlgoPerfTauMax, AlgoPerfTauMax-1, AlgoPerfTauMax),
		Header: []string{"method", fmt.Sprintf("score, epoch budget (%d workloads)", len(byEpochs.workloads)), fmt.Sprintf("score, equal seconds (%d workloads)", len(bySeconds.workloads))}}
	e, s := AlgoPerfScore(byEpochs.times, AlgoPerfTauMax), AlgoPerfScore(bySeconds.times, AlgoPerfTauMax)
	for i, m := range byEpochs.methods {
		sec := "—" // not rerun at the seconds budget (every rate diverged)
		if k := indexOf(bySeconds.methods, m); k >= 0 {
			sec = fmt.Sprintf("%.3f", s[k])
		}
		t.Rows = append(t.Rows, []string{m, fmt.Sprintf("%.3f", e[i]), sec})
	}
	return t
}

// figure draws the profile for τ from 1 to 10 (log-spaced).
func (p *profileRuns) figure(s *Env) (Figure, error) {
	taus := make([]float64, 101)
	for i := range taus {
		taus[i] = math.Pow(10, float64(i)/100)
	}
	prof := PerformanceProfile(p.times, taus)
	var series []plots.Series
	for m, name := range p.methods {
		series = append(series, plots.Series{Name: name, X: taus, Y: prof[m], Color: p.colors[m]})
	}
	pl := plots.Curves(fmt.Sprintf("Performance profile over %d Fashion-MNIST workloads", len(p.workloads)), "τ (time to target ÷ the best method's)", "fraction of workloads within τ", false, series...)
	pl.Y.Min, pl.Y.Max = 0, 1.02
	return s.figure(pl, "fashion_profile", fmt.Sprintf("For each method, the fraction of workloads (%v) on which it reached the validation target on every reporting seed within τ times the fastest method's mean time. A method that never reaches a target, or skips a workload, never counts there; higher and further left is better.", p.workloads))
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
