package experiment_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/models"
	"github.com/bgdlab/bgdlab/pkg/optim"
)

// TestCachedRedoesStaleRuns: the lab cache reuses a run only as a sweep
// would — same result format, same spec, same data files. An edited
// format, or a CSV rewritten at the same path, gets a fresh run.
func TestCachedRedoesStaleRuns(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "d.csv")
	writeCSV := func(slope float64) {
		var b strings.Builder
		b.WriteString("x,y\n")
		for i := 1; i <= 20; i++ {
			fmt.Fprintf(&b, "%d,%g\n", i, slope*float64(i))
		}
		if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCSV(1)
	s := experiment.Spec{Data: data.CSV{Path: csv, NoStandardize: true}, Model: models.MustParse("linear"), Optimizer: optim.MustParse("gd:lr=0.01"), Batch: data.MustParseRegime("full"), Steps: 5, DType: "float64", Init: "zeros"}
	cache := filepath.Join(dir, "cache")
	first, err := experiment.Cached(cache, nil, s)
	if err != nil {
		t.Fatal(err)
	}
	if first.DataSHA256 == "" {
		t.Fatal("a CSV run recorded no data_sha256")
	}
	again, _ := experiment.Cached(cache, nil, s)
	if !again.Start.Equal(first.Start) {
		t.Error("an unchanged cached run was redone")
	}
	// Edit the record's format: redone.
	runs, _ := filepath.Glob(filepath.Join(cache, "*", experiment.RunFile))
	raw, _ := os.ReadFile(runs[0])
	os.WriteFile(runs[0], []byte(strings.Replace(string(raw), `"format": 2`, `"format": 1`, 1)), 0o644)
	third, _ := experiment.Cached(cache, nil, s)
	if third.Format != experiment.ResultFormat || third.Start.Equal(first.Start) {
		t.Errorf("a cached run with an edited format was reused (format %d)", third.Format)
	}
	// Rewrite the CSV at the same path: redone, on the new data.
	writeCSV(3)
	fourth, _ := experiment.Cached(cache, nil, s)
	if fourth.DataSHA256 == third.DataSHA256 || fourth.Start.Equal(third.Start) {
		t.Errorf("the cache returned the run of the old CSV (data_sha256 %.12s, then %.12s)", third.DataSHA256, fourth.DataSHA256)
	}
}
