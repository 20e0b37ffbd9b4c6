package experiment_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/experiment"
)

// run.json's "final" object: NaN is written as null and read back as NaN;
// keys an older run.json lacks (no validation split) read as NaN.
func TestFinalJSON(t *testing.T) {
	f := experiment.NaNFinal()
	f.TrainLoss, f.WallS, f.TestMetric = 0.25, 1.5, 0.875
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"val_loss":null`) || !strings.Contains(string(raw), `"test_metric":0.875`) {
		t.Errorf("marshaled %s", raw)
	}
	var back experiment.Final
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.TrainLoss != 0.25 || back.TestMetric != 0.875 || !math.IsNaN(back.ValLoss) || !math.IsNaN(back.BestValMetric) {
		t.Errorf("read back %+v", back)
	}
	var old experiment.Final
	if err := json.Unmarshal([]byte(`{"train_loss":1,"wall_s":2,"epoch":3,"grad_evals":4}`), &old); err != nil {
		t.Fatal(err)
	}
	if v, ok := old.Get("val_metric"); !ok || !math.IsNaN(v) || old.GradEvals != 4 {
		t.Errorf("older run.json: val_metric %v (%v), grad_evals %v", v, ok, old.GradEvals)
	}
	if _, ok := old.Get("accuracy"); ok {
		t.Error("Get accepted an unknown name")
	}
}
