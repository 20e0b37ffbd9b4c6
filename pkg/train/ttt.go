package train

import "math"

// TTT is a time-to-target: the first logged row that reached the target.
type TTT struct {
	Step      int
	Epoch     float64
	Seconds   float64
	GradEvals int64
	Examples  int64
}

// TimeToTarget scans a history for the first row whose column (train_loss,
// val_loss, val_metric, test_loss, test_metric) reached target — ≤ target when
// lowerIsBetter, else ≥ — and reports when, in every unit.
func TimeToTarget(h []Record, column string, target float64, lowerIsBetter bool) (TTT, bool) {
	for _, r := range h {
		v, known := r.Get(column)
		if !known {
			return TTT{}, false
		}
		if math.IsNaN(v) {
			continue
		}
		if (lowerIsBetter && v <= target) || (!lowerIsBetter && v >= target) {
			return TTT{Step: r.Step, Epoch: r.Epoch, Seconds: r.WallS, GradEvals: r.GradEvals, Examples: r.Examples}, true
		}
	}
	return TTT{}, false
}
