package sweep_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
	"github.com/bgdlab/bgdlab/pkg/sweep"
	"github.com/bgdlab/bgdlab/pkg/train"
)

// TestMain lets the resume test run a sweep in a child process it can kill.
func TestMain(m *testing.M) {
	if out := os.Getenv("BGDLAB_TEST_SWEEP_CHILD"); out != "" {
		c := slowSweep()
		plans, _ := c.Expand()
		if _, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{}); err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// slowSweep has runs of about half a second each (a time budget).
func slowSweep() *sweep.Config {
	return &sweep.Config{
		Base:       experiment.Spec{Data: data.MustParse("synthetic-linear:n=2000,d=50,kappa=10"), Model: models.MustParse("linear"), Batch: data.MustParseRegime("32"), Seconds: 0.5, DType: "float64"},
		Optimizers: []string{"gd:lr=0.01", "momentum:lr=0.01"},
		Seeds:      []uint64{1, 2},
	}
}

// startChildSweep runs slowSweep into out in a child process (TestMain).
func startChildSweep(t *testing.T, out string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BGDLAB_TEST_SWEEP_CHILD="+out, "BGDLAB_BACKEND=go")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func TestSweepResumesAfterKill(t *testing.T) {
	out := t.TempDir()
	cmd := startChildSweep(t, out)
	// Wait until run 0 finished and run 1 is in the middle, then kill -9.
	deadline := time.Now().Add(60 * time.Second)
	var first, second string
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(filepath.Join(out, "runs"))
		if len(entries) >= 2 {
			first, second = filepath.Join(out, "runs", entries[0].Name()), filepath.Join(out, "runs", entries[1].Name())
			if experiment.Finished(first) && !experiment.Finished(second) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if second == "" {
		t.Fatal("the child sweep never got to its second run")
	}
	time.Sleep(100 * time.Millisecond) // well inside the 0.5 s run
	cmd.Process.Kill()
	cmd.Wait()
	if experiment.Finished(second) {
		t.Fatal("run 1 finished before the kill; cannot test resume")
	}
	before, err := os.ReadFile(filepath.Join(first, experiment.RunFile))
	if err != nil {
		t.Fatal(err)
	}
	// Resume with the same sweep.
	c := slowSweep()
	plans, _ := c.Expand()
	res, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 {
		t.Fatalf("%d results after resume, want 4", len(res))
	}
	after, _ := os.ReadFile(filepath.Join(first, experiment.RunFile))
	if string(before) != string(after) {
		t.Error("the finished run was redone")
	}
	entries, _ := os.ReadDir(filepath.Join(out, "runs"))
	if len(entries) != 4 {
		t.Errorf("%d run folders, want 4 (no duplicates)", len(entries))
	}
	for _, e := range entries {
		dir := filepath.Join(out, "runs", e.Name())
		if !experiment.Finished(dir) {
			t.Errorf("%s not finished", e.Name())
		}
		if _, err := os.Stat(filepath.Join(dir, "STARTED")); err == nil {
			t.Errorf("%s still marked as started", e.Name())
		}
	}
	summary, _ := os.ReadFile(filepath.Join(out, "summary.csv"))
	if n := strings.Count(string(summary), "\n"); n != 3 {
		t.Errorf("summary.csv has %d lines, want header + 2 configurations", n)
	}
}

func TestShardsPartitionTheSweep(t *testing.T) {
	c := &sweep.Config{Base: experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Steps: 20, DType: "float64"},
		Optimizers: []string{"gd", "momentum", "adam"}, Grid: map[string][]any{"lr": {0.001, 0.01}}, Seeds: []uint64{1, 2, 3}}
	plans, err := c.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 18 {
		t.Fatalf("%d plans, want 3×2×3", len(plans))
	}
	var ids []string
	seen := map[string]bool{}
	for i := 0; i < 4; i++ {
		part, err := sweep.Shard(plans, i, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range part {
			if seen[p.ID] {
				t.Fatalf("run %s in two shards", p.ID)
			}
			seen[p.ID] = true
			ids = append(ids, p.ID)
		}
	}
	if len(ids) != len(plans) {
		t.Fatalf("shards cover %d of %d runs", len(ids), len(plans))
	}
	// Run two shards into separate folders and merge.
	dirs := []string{t.TempDir(), t.TempDir()}
	for i, d := range dirs {
		part, _ := sweep.Shard(plans, i, 2)
		if _, err := sweep.Run(context.Background(), nil, c, part, d, sweep.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	merged := t.TempDir()
	if _, err := sweep.Merge(merged, dirs[:1], sweep.MergeOptions{}); err == nil || !strings.Contains(err.Error(), "9 of 18 runs of the sweep are missing") {
		t.Errorf("half a sweep merged without a word: %v", err)
	}
	if n, err := sweep.Merge(merged, dirs[:1], sweep.MergeOptions{Partial: true}); err != nil || n != 9 {
		t.Errorf("partial merge: %d runs, %v", n, err)
	}
	if incomplete := incompleteRows(t, filepath.Join(merged, "summary.csv")); incomplete == 0 {
		t.Error("a partial merge wrote a summary with every configuration marked complete")
	}
	n, err := sweep.Merge(merged, dirs, sweep.MergeOptions{})
	if err != nil || n != 18 {
		t.Fatalf("merged %d runs, err %v", n, err)
	}
	if incomplete := incompleteRows(t, filepath.Join(merged, "summary.csv")); incomplete != 0 {
		t.Errorf("the whole sweep merged, yet %d configurations are marked incomplete", incomplete)
	}
	full := t.TempDir()
	if _, err := sweep.Run(context.Background(), nil, c, plans, full, sweep.Options{}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(merged, "summary.csv"))
	b, _ := os.ReadFile(filepath.Join(full, "summary.csv"))
	if stripWallColumns(string(a)) != stripWallColumns(string(b)) {
		t.Errorf("merged summary differs from the unsharded one:\n%s\n---\n%s", a, b)
	}
	sort.Strings(ids)
}

// incompleteRows counts summary rows marked complete=false, checking that
// exactly those have fewer runs than planned.
func incompleteRows(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	n := 0
	for _, r := range rows[1:] {
		runs, _ := strconv.Atoi(r[col["runs"]])
		planned, _ := strconv.Atoi(r[col["planned"]])
		complete := r[col["complete"]] == "true"
		if complete != (runs >= planned) || planned != 3 {
			t.Errorf("%s: runs %d, planned %d, complete %v", r[0], runs, planned, complete)
		}
		if !complete {
			n++
		}
	}
	return n
}

// stripWallColumns drops wall_s statistics (timing differs between runs).
func stripWallColumns(csv string) string {
	lines := strings.Split(csv, "\n")
	header := strings.Split(lines[0], ",")
	keep := []int{}
	for i, h := range header {
		if !strings.HasPrefix(h, "wall_s") && !strings.HasPrefix(h, "ttt_seconds") {
			keep = append(keep, i)
		}
	}
	var out []string
	for _, l := range lines {
		f := strings.Split(l, ",")
		var g []string
		for _, i := range keep {
			if i < len(f) {
				g = append(g, f[i])
			}
		}
		out = append(out, strings.Join(g, ","))
	}
	return strings.Join(out, "\n")
}

func TestTimeToTarget(t *testing.T) {
	h := []experiment.Record{
		{Step: 0, TrainLoss: 10, WallS: 0, Epoch: 0},
		{Step: 5, TrainLoss: 3, WallS: 1.5, Epoch: 0.5, GradEvals: 5, ValMetric: math.NaN()},
		{Step: 10, TrainLoss: 0.9, WallS: 3, Epoch: 1, GradEvals: 10, ValMetric: 0.8},
		{Step: 15, TrainLoss: 0.5, WallS: 4.5, Epoch: 1.5, GradEvals: 15, ValMetric: 0.9},
	}
	got, ok := train.TimeToTarget(h, "train_loss", 1, true)
	if !ok || got.Step != 10 || got.Seconds != 3 || got.Epoch != 1 || got.GradEvals != 10 {
		t.Fatalf("train_loss ≤ 1: %+v %v", got, ok)
	}
	got, ok = train.TimeToTarget(h, "val_metric", 0.85, false)
	if !ok || got.Step != 15 {
		t.Fatalf("val_metric ≥ 0.85: %+v %v", got, ok)
	}
	if _, ok := train.TimeToTarget(h, "train_loss", 0.1, true); ok {
		t.Fatal("unreached target reported as reached")
	}
}

func TestDivergenceIsAStatus(t *testing.T) {
	// Above 2/L the textbook GD diverges: data, not a crash.
	res, err := experiment.Run(context.Background(), nil, experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Optimizer: optim.MustParse("gd:lr=0.1"),
		Steps: 1000, DType: "float64"}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != optim.Diverged || res.DivergedAt == nil || *res.DivergedAt >= 1000 {
		t.Fatalf("status %s at %v", res.Status, res.DivergedAt)
	}
	last := res.History[len(res.History)-1]
	if last.Step != *res.DivergedAt || !(last.TrainLoss > 1e6) {
		t.Fatalf("last row %+v", last)
	}
	// NaN: an absurd learning rate overflows float32 at once.
	res, err = experiment.Run(context.Background(), nil, experiment.Spec{Data: data.MustParse("blobs:n=100"), Model: models.MustParse("logistic"), Optimizer: optim.MustParse("gd:lr=1e38"),
		Steps: 50}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != optim.Diverged {
		t.Fatalf("lr=1e38: status %s", res.Status)
	}
}

func TestConvergedAndLineSearch(t *testing.T) {
	target := 1e-6
	res, err := experiment.Run(context.Background(), nil, experiment.Spec{Data: data.MustParse("synthetic-linear:n=200,d=5,kappa=10,noise=0"), Model: models.MustParse("linear"),
		Optimizer: optim.MustParse("lbfgs"), Steps: 200, DType: "float64", TargetLoss: &target}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != optim.Converged || res.Final.TrainLoss > target {
		t.Fatalf("lbfgs: %s, loss %g", res.Status, res.Final.TrainLoss)
	}
	if _, err := experiment.Run(context.Background(), nil, experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Optimizer: optim.MustParse("armijo"), Batch: data.MustParseRegime("2"), Steps: 5}, experiment.Options{}); err == nil ||
		!strings.Contains(err.Error(), "full-batch") {
		t.Fatalf("armijo with mini-batches: %v", err)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	res, err := experiment.Run(context.Background(), nil, experiment.Spec{Data: data.MustParse("blobs:n=200"), Model: models.MustParse("logistic"), Optimizer: optim.MustParse("gd:lr=0.5"), Steps: 30, LayerNorms: true}, experiment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := experiment.Write(dir, res); err != nil {
		t.Fatal(err)
	}
	back, err := experiment.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.History) != len(res.History) || back.Status != res.Status || back.Final.TestMetric != res.Final.TestMetric {
		t.Fatalf("round trip lost data: %d vs %d rows", len(back.History), len(res.History))
	}
	if len(back.History[0].LayerGradNorms) != 1 {
		t.Fatalf("layer norms: %v", back.History[0].LayerGradNorms)
	}
}

// TestSweepRedoesRunsOfAnotherFormat: a finished run written by a bgdlab
// whose results meant something else (another ResultFormat) is redone on
// resume; the others are reused as they are.
func TestSweepRedoesRunsOfAnotherFormat(t *testing.T) {
	c := &sweep.Config{
		Base:       experiment.Spec{Data: data.MustParse("synthetic-linear:n=200,d=5,kappa=10"), Model: models.MustParse("linear"), Batch: data.MustParseRegime("full"), Steps: 5, DType: "float64"},
		Optimizers: []string{"gd:lr=0.01", "gd:lr=0.02"},
		Seeds:      []uint64{1},
	}
	plans, err := c.Expand()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{}); err != nil {
		t.Fatal(err)
	}
	runFile := func(i int) string { return filepath.Join(out, "runs", plans[i].ID, experiment.RunFile) }
	old, err := os.ReadFile(runFile(0))
	if err != nil {
		t.Fatal(err)
	}
	stale := strings.Replace(string(old), fmt.Sprintf(`"format": %d`, experiment.ResultFormat), `"format": 1`, 1)
	if stale == string(old) {
		t.Fatalf("run.json has no format field:\n%s", old)
	}
	os.WriteFile(runFile(0), []byte(stale), 0o644)
	kept, _ := os.ReadFile(runFile(1))
	var log strings.Builder
	if _, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{Progress: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "redoing "+plans[0].ID) {
		t.Errorf("no redo message for the stale run:\n%s", log.String())
	}
	if redone, _ := experiment.Read(filepath.Dir(runFile(0))); redone == nil || redone.Format != experiment.ResultFormat {
		t.Errorf("stale run not rewritten in format %d", experiment.ResultFormat)
	}
	if again, _ := os.ReadFile(runFile(1)); string(again) != string(kept) {
		t.Error("a current-format run was redone instead of reused")
	}
}

// Resuming after the sweep's config was edited redoes the runs whose
// experiment changed, says why, and keeps those that did not.
func TestSweepRedoesRunsOfAnEditedConfig(t *testing.T) {
	out := t.TempDir()
	sweep := func(steps int) ([]*experiment.Result, string) {
		c := &sweep.Config{Base: experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Batch: data.MustParseRegime("full"), Steps: steps, DType: "float64"},
			Optimizers: []string{"gd:lr=0.01"}, Seeds: []uint64{1}}
		plans, err := c.Expand()
		if err != nil {
			t.Fatal(err)
		}
		var log strings.Builder
		res, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{Progress: &log})
		if err != nil {
			t.Fatal(err)
		}
		return res, log.String()
	}
	first, _ := sweep(5)
	same, log := sweep(5)
	if !same[0].Start.Equal(first[0].Start) || strings.Contains(log, "redoing") {
		t.Fatalf("an unchanged run was redone:\n%s", log)
	}
	edited, log := sweep(7)
	if edited[0].Steps != 7 || edited[0].Spec.Steps != 7 {
		t.Errorf("after the edit the run has %d steps (spec %d), want 7", edited[0].Steps, edited[0].Spec.Steps)
	}
	if !strings.Contains(log, "redoing") || !strings.Contains(log, "steps: 5 → 7") {
		t.Errorf("the log does not say why the run was redone:\n%s", log)
	}
}

// Merge refuses folders of two different sweeps, and a run whose recorded
// experiment is not the one its sweep asks for.
func TestMergeRefusesMixedSweeps(t *testing.T) {
	run := func(steps int) string {
		d := t.TempDir()
		c := &sweep.Config{Base: experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Batch: data.MustParseRegime("full"), Steps: steps, DType: "float64"},
			Optimizers: []string{"gd:lr=0.01"}, Seeds: []uint64{1, 2}}
		plans, _ := c.Expand()
		if _, err := sweep.Run(context.Background(), nil, c, plans, d, sweep.Options{}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := run(5), run(7)
	if _, err := sweep.Merge(t.TempDir(), []string{a, b}, sweep.MergeOptions{}); err == nil || !strings.Contains(err.Error(), "hold different sweeps") {
		t.Errorf("two sweeps merged: %v", err)
	}
	// b's config edited by hand to pass for a's: its hash gives it away.
	edited := strings.Replace(string(mustRead(t, filepath.Join(b, "sweep.json"))), `"steps": 7`, `"steps": 5`, 1)
	os.WriteFile(filepath.Join(b, "sweep.json"), []byte(edited), 0o644)
	if _, err := sweep.Merge(t.TempDir(), []string{a, b}, sweep.MergeOptions{}); err == nil || !strings.Contains(err.Error(), "does not match its config_sha256") {
		t.Errorf("an edited sweep.json merged: %v", err)
	}
	// b's runs copied under a's config: same IDs, other experiments.
	os.WriteFile(filepath.Join(b, "sweep.json"), mustRead(t, filepath.Join(a, "sweep.json")), 0o644)
	if _, err := sweep.Merge(t.TempDir(), []string{a, b}, sweep.MergeOptions{}); err == nil || !strings.Contains(err.Error(), "records a different experiment") {
		t.Errorf("foreign runs merged: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A second sweep into a folder another process is writing is refused; the
// lock goes with the process (kill -9 included).
func TestSweepFolderLock(t *testing.T) {
	out := t.TempDir()
	cmd := startChildSweep(t, out)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if entries, _ := os.ReadDir(filepath.Join(out, "runs")); len(entries) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := slowSweep()
	plans, _ := c.Expand()
	_, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{})
	pid := cmd.Process.Pid
	cmd.Process.Kill()
	cmd.Wait()
	if err == nil || !strings.Contains(err.Error(), "another bgdlab sweep is writing") || !strings.Contains(err.Error(), fmt.Sprintf("in use by PID %d", pid)) {
		t.Fatalf("a second sweep into a busy folder (held by PID %d): %v", pid, err)
	}
	// The killed sweep's lock is gone: resuming works.
	c.Base.Seconds = 0.05
	if _, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{}); err != nil && strings.Contains(err.Error(), "another bgdlab sweep") {
		t.Fatalf("the lock outlived its process: %v", err)
	}
}

// A file where a run folder should be is reported, never deleted.
func TestSweepKeepsAFileInARunsPlace(t *testing.T) {
	out := t.TempDir()
	c := &sweep.Config{Base: experiment.Spec{Data: data.MustParse("textbook"), Model: models.MustParse("linear"), Batch: data.MustParseRegime("full"), Steps: 3, DType: "float64"},
		Optimizers: []string{"gd:lr=0.01"}, Seeds: []uint64{1}}
	plans, _ := c.Expand()
	squatter := filepath.Join(out, "runs", plans[0].ID)
	os.MkdirAll(filepath.Dir(squatter), 0o755)
	os.WriteFile(squatter, []byte("notes"), 0o644)
	_, err := sweep.Run(context.Background(), nil, c, plans, out, sweep.Options{})
	if err == nil || !strings.Contains(err.Error(), "is a file, not a run folder") {
		t.Errorf("sweep over a file: %v", err)
	}
	if raw, _ := os.ReadFile(squatter); string(raw) != "notes" {
		t.Errorf("the file was deleted or changed: %q", raw)
	}
}

// TestSweepCompilesOncePerShape runs a sweep of one model and data set with
// three rates of Adam and two of momentum on two seeds (10 runs) through one
// train.Cache, and checks that it compiled two step graphs — one per
// optimizer graph — not one per run, and that a second sweep of the same
// shapes in another folder compiled none.
func TestSweepCompilesOncePerShape(t *testing.T) {
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	cache := train.NewCache()
	defer cache.Close()
	c := &sweep.Config{
		Base:       experiment.Spec{Data: data.MustParse("moons:n=200"), Model: models.MustParse("mlp:hidden=8"), Batch: data.MustParseRegime("full"), Steps: 5},
		Optimizers: []string{"adam", "momentum"},
		PerOptimizer: map[string]map[string][]any{
			"adam": {"lr": {0.001, 0.003, 0.01}}, "momentum": {"lr": {0.01, 0.1}}},
		Seeds: []uint64{1, 2},
	}
	plans, err := c.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 10 {
		t.Fatalf("%d plans, want 10", len(plans))
	}
	for i, want := range []int{2, 2} {
		if _, err := sweep.Run(context.Background(), b, c, plans, t.TempDir(), sweep.Options{Cache: cache}); err != nil {
			t.Fatal(err)
		}
		if got := cache.Compiles(); got != want {
			t.Errorf("after sweep %d: %d step graphs compiled for %d runs each, want %d", i+1, got, len(plans), want)
		}
	}
}
