package lab

import (
	"fmt"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// Predictions are a classifier's predicted classes on the test split, beside
// the split itself (its images and true labels).
type Predictions struct {
	Test      *data.Dataset
	Predicted []int
}

// MustPredict is MustRun for a classifier of three or more classes that
// also keeps its predictions on the test split (cached like every run).
func MustPredict(d data.Config, m models.Config, o optim.Config, b Budget, opts ...Option) (*experiment.Result, Predictions) {
	opts = append(opts, func(s *experiment.Spec) { s.KeepPredictions = true })
	res := MustRun(d, m, o, b, opts...)
	sp, err := experiment.LoadData(d) // the run loaded it
	if err != nil {
		panic(err)
	}
	if sp.Test == nil || len(res.TestPredictions) != sp.Test.N {
		panic(fmt.Sprintf("lab.MustPredict: %d predictions for the test split of %s: it needs a test split and three or more classes", len(res.TestPredictions), d))
	}
	return res, Predictions{Test: sp.Test, Predicted: res.TestPredictions}
}

// Confusion counts test examples by true class (row) and predicted class (column).
func (p Predictions) Confusion() [][]int {
	m := make([][]int, p.Test.Classes)
	for i := range m {
		m[i] = make([]int, p.Test.Classes)
	}
	for i, c := range p.Predicted {
		m[p.Test.Labels[i]][c]++
	}
	return m
}

// Accuracy is the fraction of test examples whose predicted class is the
// true one, counted from the predictions themselves.
func (p Predictions) Accuracy() float64 {
	right := 0
	for i, c := range p.Predicted {
		if c == p.Test.Labels[i] {
			right++
		}
	}
	return float64(right) / float64(len(p.Predicted))
}

// Mistakes returns up to n misclassified test examples, in test order: their
// pixels and a caption "true → predicted".
func (p Predictions) Mistakes(n int) (pics [][]float64, captions []string) {
	name := func(c int) string {
		if c < len(p.Test.ClassNames) {
			return p.Test.ClassNames[c]
		}
		return fmt.Sprint(c)
	}
	for i, c := range p.Predicted {
		if len(pics) == n {
			break
		}
		if t := p.Test.Labels[i]; c != t {
			pics = append(pics, p.Test.Row(i))
			captions = append(captions, name(t)+" → "+name(c))
		}
	}
	return pics, captions
}
