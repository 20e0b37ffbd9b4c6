package experiment_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/experiment"
)

// FuzzLoadSweepConfig: any YAML or JSON gives a config or an error, and a
// config that loads expands into a bounded plan or an error — never a panic
// or an unbounded allocation. Seeds: duplicate seeds and rates, a grid
// value that injects a second hyperparameter, a huge random search, unknown
// keys.
func FuzzLoadSweepConfig(f *testing.F) {
	for _, s := range []string{
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\ngrid: {lr: [0.01, 0.1]}\nseeds: [1, 2]\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\nseeds: [1, 1]\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\ngrid: {lr: [0.01, 0.01]}\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\ngrid: {lr: [\"0.01,weight_decay=0.5\"]}\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\nrandom: {samples: 100000000000, params: {lr: {min: 0.001, max: 1, log: true}}}\n",
		"base: {data: textbook, model: linear, steps: 5}\noptimizers: [gd]\ngrid: {lr: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], batch: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], epochs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], momentum: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], steps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\n",
		"bogus_key: 1\n",
		"optimizers: [gd]\n",
		"{}",
		"",
	} {
		f.Add(s, false)
	}
	f.Add(`{"base": {"data": "textbook", "model": "linear", "steps": 5}, "optimizers": ["gd"], "seeds": [1, 2]}`, true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string, isJSON bool) {
		path := filepath.Join(dir, "sweep.yaml")
		if isJSON {
			path = filepath.Join(dir, "sweep.json")
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := experiment.LoadSweepConfig(path)
		if err != nil {
			return
		}
		plans, err := c.Expand()
		if err == nil && len(plans) > 100000 {
			t.Fatalf("expanded into %d runs, over the 100 000 limit", len(plans))
		}
	})
}

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
