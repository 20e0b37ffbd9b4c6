package experiment_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/experiment"
)

// FuzzRead: any run.json and history.csv give a finished run whose history
// ends at its recorded step count, or an error — never a panic. Seeds: a
// stub run.json ({"format":2}), a history cut at a line boundary, a short
// header.
func FuzzRead(f *testing.F) {
	header := "step,epoch,examples,grad_evals,wall_s,lr,train_loss,grad_norm,update_norm,val_loss,val_metric,test_loss,test_metric\n"
	run := `{"format":2,"status":"budget","steps":1,"spec":{"data":"textbook","model":"linear","optimizer":"gd","steps":1}}`
	f.Add(run, header+"0,0,0,0,0,0.1,1,1,,,,,\n1,1,5,1,0.001,0.1,0.5,1,0.1,,,,\n")
	f.Add(run, header+"0,0,0,0,0,0.1,1,1,,,,,\n")
	f.Add(`{"format":2}`, header+"0,0,0,0,0,0.1,1,1,,,,,\n")
	f.Add(run, "step,epoch\n0,0\n")
	f.Add(run, header+"0,0,0,0,0,0.1,1,1,,,,,,7,8\n1,1\n")
	f.Add("{", "")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, runJSON, history string) {
		if err := os.WriteFile(filepath.Join(dir, experiment.RunFile), []byte(runJSON), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, experiment.HistoryFile), []byte(history), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := experiment.Read(dir)
		if err != nil {
			return
		}
		if n := len(res.History); n == 0 || res.History[n-1].Step != res.Steps || res.Status == "" {
			t.Fatalf("accepted a run with status %q, %d steps and %d history rows", res.Status, res.Steps, len(res.History))
		}
	})
}
