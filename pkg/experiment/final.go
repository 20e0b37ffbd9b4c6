package experiment

import (
	"encoding/json"
	"math"
)

// Final holds a run's final measurements; NaN marks what was not measured
// (no validation split, no evaluation). In run.json it is the "final" object
// keyed by history.csv column names, NaN written as null.
type Final struct {
	// TrainLoss, WallS, Epoch and GradEvals are those of the last history row.
	TrainLoss, WallS, Epoch, GradEvals float64
	// ValLoss … TestMetric come from the last row that evaluated them.
	ValLoss, ValMetric, TestLoss, TestMetric float64
	// BestValMetric is the best validation metric along the run.
	BestValMetric float64
}

// finalKeys are the run.json keys, in Final's field order.
var finalKeys = []string{"train_loss", "wall_s", "epoch", "grad_evals", "val_loss", "val_metric", "test_loss", "test_metric", "best_val_metric"}

// fields returns pointers to the fields in finalKeys order.
func (f *Final) fields() []*float64 {
	return []*float64{&f.TrainLoss, &f.WallS, &f.Epoch, &f.GradEvals, &f.ValLoss, &f.ValMetric, &f.TestLoss, &f.TestMetric, &f.BestValMetric}
}

// NaNFinal is a Final with nothing measured.
func NaNFinal() Final {
	var f Final
	for _, p := range f.fields() {
		*p = math.NaN()
	}
	return f
}

// Get returns a final value by its run.json key (summary metrics are named
// so); ok is false for unknown names.
func (f Final) Get(name string) (v float64, ok bool) {
	for i, p := range f.fields() {
		if finalKeys[i] == name {
			return *p, true
		}
	}
	return math.NaN(), false
}

// MarshalJSON writes every key, NaN and ±Inf as null.
func (f Final) MarshalJSON() ([]byte, error) {
	m := map[string]*float64{}
	for i, p := range f.fields() {
		if v := *p; !math.IsNaN(v) && !math.IsInf(v, 0) {
			m[finalKeys[i]] = &v
		} else {
			m[finalKeys[i]] = nil
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads the "final" object; missing keys and nulls are NaN.
func (f *Final) UnmarshalJSON(raw []byte) error {
	var m map[string]*float64
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	*f = NaNFinal()
	for i, p := range f.fields() {
		if v := m[finalKeys[i]]; v != nil {
			*p = *v
		}
	}
	return nil
}
