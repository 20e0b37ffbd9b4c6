// Package studies holds bgdlab's batch-gradient-descent study, one file per
// study: the textbook example, condition numbers, batch sizes, an optimizer
// comparison on Fashion-MNIST, vanishing/exploding gradients in deep nets,
// non-convex landscapes, sharpness along training, and object localization
// under a tuning protocol (tuning seed, self-extending grids, fresh
// reporting seeds). Each study runs its experiments and returns a
// typed Study — tables, figures (gonum plots) and claims whose verdicts are
// computed from the measurements. pkg/report renders them as HTML; notebooks
// call the same functions.
package studies

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/sweep"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
	"gonum.org/v1/plot"
)

// Env is what a study runs with.
type Env struct {
	// Backend runs the experiments.
	Backend compute.Backend
	// Ctx cancels long studies.
	Ctx context.Context
	// Results is the folder of raw results (one sweep folder per experiment);
	// finished runs found there are reused.
	Results string
	// Full runs the real study (full data, more seeds); otherwise the quick
	// version (subsets, fewer seeds; minutes on 2 cores).
	Full bool
	// Progress receives progress lines (nil: silent).
	Progress io.Writer
	// Cache lends the studies' runs the trainers compiled for earlier runs
	// of equal shapes (train.Cache; nil: each sweep compiles its own). The
	// caller closes it.
	Cache *train.Cache
}

// Figure is one figure of a study, not yet rendered.
type Figure struct {
	// Name is the file name without extension (figures/<Name>.png).
	Name, Caption string
	Plot          *plot.Plot
}

// Table is a small table of strings.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Verdict is what the measurements say about a claim.
type Verdict string

// The verdicts.
const (
	Supported Verdict = "supported"
	Refuted   Verdict = "refuted"
	Nuanced   Verdict = "nuanced"
)

// Claim is a common statement about BGD checked against the measurements.
type Claim struct {
	Statement string
	// Verdict is computed from the measurements.
	Verdict  Verdict
	Evidence string
	// Figure names the figure that shows it (empty: none).
	Figure string
}

// Study is the outcome of one study.
type Study struct {
	ID, Title, Intro string
	Figures          []Figure
	Tables           []Table
	Claims           []Claim
}

// All lists the studies in the report's order.
var All = []struct {
	ID  string
	Run func(*Env) (Study, error)
}{
	{"textbook", Textbook},
	{"condition", Condition},
	{"batch", Batch},
	{"fashion", Fashion},
	{"recipe", Recipe},
	{"deep", Deep},
	{"landscape", Landscape},
	{"sharpness", Sharpness},
	{"localization", Localization},
	{"detection", Detection},
}

// IDs lists the studies' IDs.
func IDs() []string {
	var ids []string
	for _, s := range All {
		ids = append(ids, s.ID)
	}
	return ids
}

func (s *Env) logf(format string, args ...any) {
	if s.Progress != nil {
		fmt.Fprintf(s.Progress, "report: "+format+"\n", args...)
	}
}

// figure names a plot as a figure of the study.
func (s *Env) figure(p *plot.Plot, name, caption string) (Figure, error) {
	return Figure{Name: name, Caption: caption, Plot: p}, nil
}

// sweep runs a sweep into Results/<id> (resuming finished runs).
func (s *Env) sweep(id string, c *sweep.Config) ([]sweep.Plan, []*experiment.Result, error) {
	plans, err := c.Expand()
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(s.Results, id)
	s.logf("%s: %d runs", id, len(plans))
	res, err := sweep.Run(s.Ctx, s.Backend, c, plans, dir, sweep.Options{Progress: s.Progress, Cache: s.Cache})
	if err != nil {
		return nil, nil, err
	}
	if len(res) != len(plans) {
		return nil, nil, fmt.Errorf("%s: %d of %d runs finished", id, len(res), len(plans))
	}
	return plans, res, nil
}
