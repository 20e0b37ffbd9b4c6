package experiment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
)

// CacheDir is where notebooks keep finished runs between cells (each GoNB
// cell is a new process): $BGDLAB_OUT/cache, else a folder in os.TempDir().
func CacheDir(name string) string {
	if out := os.Getenv("BGDLAB_OUT"); out != "" {
		return filepath.Join(out, "cache", name)
	}
	return filepath.Join(os.TempDir(), "bgdlab-cache", name)
}

// Cached returns the run of s stored under dir (named by a hash of the spec),
// running and storing it first if needed — the sweep's resume logic for a
// single run.
func Cached(dir string, b compute.Backend, s Spec) (*Result, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	runDir := filepath.Join(dir, hex.EncodeToString(sum[:8]))
	if Finished(runDir) {
		if res, err := Read(runDir); err == nil {
			return res, nil
		}
	}
	res, err := Run(context.Background(), b, s, Options{})
	if err != nil {
		return nil, err
	}
	return res, Write(runDir, res)
}

// Get returns a record's value by its history.csv column name; ok is false
// for unknown names.
func (h Record) Get(name string) (v float64, ok bool) {
	switch name {
	case "step":
		return float64(h.Step), true
	case "epoch":
		return h.Epoch, true
	case "examples":
		return float64(h.Examples), true
	case "grad_evals":
		return float64(h.GradEvals), true
	case "wall_s":
		return h.WallS, true
	case "lr":
		return h.LR, true
	case "train_loss":
		return h.TrainLoss, true
	case "grad_norm":
		return h.GradNorm, true
	case "update_norm":
		return h.UpdateNorm, true
	case "val_loss":
		return h.ValLoss, true
	case "val_metric":
		return h.ValMetric, true
	case "test_loss":
		return h.TestLoss, true
	case "test_metric":
		return h.TestMetric, true
	}
	return math.NaN(), false
}

// Column returns one history column by its history.csv name (see
// Record.Get); unknown names give NaNs.
func (r *Result) Column(name string) []float64 {
	out := make([]float64, len(r.History))
	for i, h := range r.History {
		out[i], _ = h.Get(name)
	}
	return out
}

// Gap returns train_loss − fstar per logged row.
func (r *Result) Gap(fstar float64) []float64 {
	out := r.Column("train_loss")
	for i := range out {
		out[i] -= fstar
	}
	return out
}
