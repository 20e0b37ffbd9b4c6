// Package data holds the datasets bgdlab compares optimizers on — the
// five-point textbook example, synthetic regression with an exact condition
// number, synthetic classification, Fashion-MNIST and CSV files — plus
// deterministic splits, standardization fitted on training data only, the
// batch regimes (full, mini, stochastic) and 2-D test functions.
package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/bgdlab/bgdlab/pkg/spec"
)

// Task says what the targets are.
type Task string

// Tasks.
const (
	Regression     Task = "regression"     // Y holds T real targets per example
	Classification Task = "classification" // Labels holds a class per example
)

// Dataset is an in-memory supervised dataset. X is row-major N×D float64;
// Shape gives the per-example feature shape (e.g. [28 28 1] for images, [D]
// otherwise).
type Dataset struct {
	Name  string
	Task  Task
	N, D  int
	X     []float64
	Shape []int
	// Regression targets, row-major N×T.
	Y []float64
	T int
	// Boxes marks targets that are bounding boxes (x0, y0, x1, y1) in [0, 1]:
	// models score them by IoU.
	Boxes bool
	// Grid > 0 marks detection targets: per cell of a Grid×Grid grid,
	// DetectionCell values (objectness, class, box); Classes counts the
	// object classes. Models score them by mAP.
	Grid int
	// Classification labels in [0, Classes).
	Labels     []int
	Classes    int
	ClassNames []string
}

// Row returns example i's features.
func (d *Dataset) Row(i int) []float64 { return d.X[i*d.D : (i+1)*d.D] }

// Subset returns the examples at idx, in that order (a copy).
func (d *Dataset) Subset(idx []int) *Dataset {
	out := &Dataset{Name: d.Name, Task: d.Task, N: len(idx), D: d.D, Shape: append([]int(nil), d.Shape...),
		T: d.T, Boxes: d.Boxes, Grid: d.Grid, Classes: d.Classes, ClassNames: d.ClassNames}
	out.X = make([]float64, 0, len(idx)*d.D)
	for _, i := range idx {
		out.X = append(out.X, d.Row(i)...)
		if d.Task == Regression {
			out.Y = append(out.Y, d.Y[i*d.T:(i+1)*d.T]...)
		} else {
			out.Labels = append(out.Labels, d.Labels[i])
		}
	}
	return out
}

// Validate checks shapes, label ranges and finiteness.
func (d *Dataset) Validate() error {
	if d.N <= 0 || d.D <= 0 {
		return fmt.Errorf("dataset %s: empty (N=%d, D=%d)", d.Name, d.N, d.D)
	}
	if len(d.X) != d.N*d.D {
		return fmt.Errorf("dataset %s: X has %d values, want N·D = %d", d.Name, len(d.X), d.N*d.D)
	}
	for i, v := range d.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("dataset %s: feature %d of example %d is %v", d.Name, i%d.D, i/d.D, v)
		}
	}
	switch d.Task {
	case Regression:
		if len(d.Y) != d.N*d.T || d.T <= 0 {
			return fmt.Errorf("dataset %s: Y has %d values, want N·T = %d", d.Name, len(d.Y), d.N*d.T)
		}
		for i, v := range d.Y {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("dataset %s: target of example %d is %v", d.Name, i/d.T, v)
			}
		}
	case Classification:
		if len(d.Labels) != d.N {
			return fmt.Errorf("dataset %s: %d labels for %d examples", d.Name, len(d.Labels), d.N)
		}
		for i, l := range d.Labels {
			if l < 0 || l >= d.Classes {
				return fmt.Errorf("dataset %s: label %d of example %d is outside [0, %d)", d.Name, l, i, d.Classes)
			}
		}
	default:
		return fmt.Errorf("dataset %s: unknown task %q", d.Name, d.Task)
	}
	return nil
}

// Splits are the train/validation/test parts of a dataset. Val or Test may be
// nil when a spec asks for none.
type Splits struct {
	Train, Val, Test *Dataset
	// Spec is the resolved spec string (with defaults), for run records.
	Spec string
	// Info holds exact facts of synthetic data (e.g. "kappa", "L", "mu").
	Info map[string]float64
}

// Split divides d into train/val/test by a seeded permutation: valFrac and
// testFrac of the examples go to validation and test.
func Split(d *Dataset, valFrac, testFrac float64, seed uint64) (Splits, error) {
	if valFrac < 0 || testFrac < 0 || valFrac+testFrac >= 1 {
		return Splits{}, fmt.Errorf("split of %s: val=%v and test=%v must be ≥ 0 and sum to less than 1", d.Name, valFrac, testFrac)
	}
	perm := rand.New(rand.NewPCG(seed, 0x5eed)).Perm(d.N)
	nVal, nTest := int(math.Round(valFrac*float64(d.N))), int(math.Round(testFrac*float64(d.N)))
	if d.N-nVal-nTest < 1 {
		return Splits{}, fmt.Errorf("split of %s: no training examples left", d.Name)
	}
	s := Splits{Train: d.Subset(sorted(perm[nVal+nTest:]))}
	if nVal > 0 {
		s.Val = d.Subset(sorted(perm[:nVal]))
	}
	if nTest > 0 {
		s.Test = d.Subset(sorted(perm[nVal : nVal+nTest]))
	}
	return s, nil
}

func sorted(idx []int) []int {
	out := append([]int(nil), idx...)
	sort.Ints(out)
	return out
}

// Standardizer maps each feature to zero mean and unit variance using
// statistics of the training set only.
type Standardizer struct{ Mean, Std []float64 }

// FitStandardizer computes per-feature mean and standard deviation of d;
// constant features get Std 1 (they are only centred). Each feature is
// scaled by its largest magnitude first, so finite values near ±1.8e308
// give a finite mean and deviation instead of overflowing to NaN.
func FitStandardizer(d *Dataset) Standardizer {
	s := Standardizer{Mean: make([]float64, d.D), Std: make([]float64, d.D)}
	scale := make([]float64, d.D)
	for i := 0; i < d.N; i++ {
		for j, v := range d.Row(i) {
			scale[j] = math.Max(scale[j], math.Abs(v))
		}
	}
	for j := range scale {
		if scale[j] == 0 {
			scale[j] = 1
		}
	}
	for i := 0; i < d.N; i++ {
		for j, v := range d.Row(i) {
			s.Mean[j] += v / scale[j]
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(d.N)
	}
	for i := 0; i < d.N; i++ {
		for j, v := range d.Row(i) {
			dv := v/scale[j] - s.Mean[j]
			s.Std[j] += dv * dv
		}
	}
	for j := range s.Std {
		s.Mean[j] *= scale[j]
		s.Std[j] = scale[j] * math.Sqrt(s.Std[j]/float64(d.N))
		if s.Std[j] < 1e-12 {
			s.Std[j] = 1
		}
	}
	return s
}

// Apply standardizes d in place.
func (s Standardizer) Apply(d *Dataset) {
	if d == nil {
		return
	}
	for i := 0; i < d.N; i++ {
		row := d.Row(i)
		for j := range row {
			row[j] = (row[j] - s.Mean[j]) / s.Std[j]
		}
	}
}

// Standardize fits on sp.Train and applies to all splits.
func (sp Splits) Standardize() {
	s := FitStandardizer(sp.Train)
	s.Apply(sp.Train)
	s.Apply(sp.Val)
	s.Apply(sp.Test)
}

// Source describes a dataset for listings (`bgdlab datasets`).
type Source struct {
	Name, Doc string
	// Params lists "key=default: meaning".
	Params []string
}

// Sources lists every dataset Load accepts, its keys read from the
// configuration's struct tags (spec, default, doc).
var Sources = sources([]Source{
	{"textbook", "the five points x = 1..5, y = 2x (regression)", nil},
	{"synthetic-linear", "linear regression whose training features have XᵀX/n with eigenvalues geometric in [1, κ] exactly (mean zero); val/test drawn from the same population", nil},
	{"blobs", "two Gaussian blobs (binary classification, convex with logistic regression)", nil},
	{"moons", "two interleaved half circles (binary, non-linear)", nil},
	{"spirals", "two interleaved spirals (binary, non-convex for MLPs)", nil},
	{"localization", "toy object localization: one square or disc per image, target = its bounding box (IoU metric)", nil},
	{"detection", "toy multi-object detection: 1–4 squares, discs and triangles per image, targets per grid cell (objectness, class, box; mAP metric)", nil},
	{"fashion-mnist", "Zalando's 28×28 clothing images, 10 classes, standard 60k/10k split", nil},
	{"csv", "numeric CSV file, one example per line", nil},
})

// sources fills each source's Params from its registered configuration.
func sources(list []Source) []Source {
	for i, s := range list {
		zero, ok := registry.Zero(s.Name)
		if !ok {
			panic("data: Sources lists unregistered " + s.Name)
		}
		for _, f := range spec.Fields(zero) {
			list[i].Params = append(list[i].Params, fmt.Sprintf("%s=%s: %s", f.Key, f.Default, f.Doc))
		}
	}
	return list
}
